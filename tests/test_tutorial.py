"""docs/tutorial.md runs as written: its Python blocks, in order, in one namespace, in an empty folder."""

import re
from pathlib import Path

import pytest

TUTORIAL = Path(__file__).resolve().parents[1] / "docs" / "tutorial.md"


def test_the_tutorial_runs_as_written(tmp_path, monkeypatch, capsys):
    pytest.importorskip("music21")  # the harmoniser's key and chorale tools
    from sonitus.registry import get_registry, set_registry
    from sonitus.testing import make_registry

    blocks = re.findall(r"```python\n(.*?)```", TUTORIAL.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) >= 5
    monkeypatch.chdir(tmp_path)
    old = set_registry(make_registry(builtins=True))  # the plugin it adds goes away afterwards
    try:
        namespace: dict = {}
        for block in blocks:
            exec(compile(block, str(TUTORIAL), "exec"), namespace)  # noqa: S102 (our own docs)
    finally:
        set_registry(old)
    assert (tmp_path / "song.wav").exists() and (tmp_path / "song.png").exists()
    assert [i.name for i in namespace["chorale"].midi.instruments] == ["Soprano", "Alto", "Tenor", "Bass"]
    assert abs(namespace["heard"]["tempo"] / 92 - 1) < 0.04 and namespace["heard"]["key"] in ("G major", "E minor")
    assert "kitchen" in namespace["transcript"].text.lower()
    assert namespace["levels"].kind == "loudness" and namespace["levels"].data.shape[1] == 1
    assert "loudness" not in get_registry().names()
