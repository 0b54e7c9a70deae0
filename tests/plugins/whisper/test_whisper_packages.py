"""Packaged Whisper models: a model split over two packages is joined once into the user cache,
atomically and checked; a missing, truncated or changed part is refused with a sentence that
names the package. The packages are fakes the test writes (dist-info on sys.path)."""

import hashlib
import importlib

import pytest
from sonitus.errors import CheckpointError, DependencyError


def _fake_distribution(root, name: str, version: str, files: dict[str, bytes]) -> None:
    package = name.replace("-", "_")
    info = root / f"{package}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    for relative, data in files.items():
        path = root / package / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


@pytest.fixture
def split_model(tmp_path, monkeypatch):
    from sonitus.plugins.whisper import models

    one, two = b"first half of model.bin " * 1000, b"second half " * 1500
    site = tmp_path / "site"
    _fake_distribution(site, "fake-whisper-part1", "2.0", {"data/model.bin.part1": one,
                                                            "data/config.json": b"{}",
                                                            "data/tokenizer.json": b"{}",
                                                            "data/vocabulary.txt": b"a\nb"})
    _fake_distribution(site, "fake-whisper-part2", "2.0", {"data/model.bin.part2": two})
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))

    def sha(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    packaged = models.PackagedModel(
        (models.Part("fake-whisper-part1", "2.0", "fake_whisper_part1/data/model.bin.part1", len(one), sha(one)),
         models.Part("fake-whisper-part2", "2.0", "fake_whisper_part2/data/model.bin.part2", len(two), sha(two))),
        sha(one + two), "MIT", "speech-fake", "a fake split Whisper")
    monkeypatch.setitem(models.PACKAGED, "fake", packaged)
    return packaged, one + two, site


def test_parts_are_joined_once_into_the_user_cache(split_model, tmp_path):
    from sonitus.plugins.whisper.models import resolve_model

    _, whole, site = split_model
    folder = resolve_model("fake")
    assert folder.is_relative_to(tmp_path / "cache" / "sonitus" / "whisper")
    assert (folder / "model.bin").read_bytes() == whole
    assert {p.name for p in folder.iterdir()} == {"model.bin", "config.json", "tokenizer.json", "vocabulary.txt"}
    made = (folder / "model.bin").stat().st_mtime_ns
    assert resolve_model("fake") == folder and (folder / "model.bin").stat().st_mtime_ns == made
    (folder / "model.bin").write_bytes(whole[:-1] + b"!")  # a damaged cache copy is made again
    assert resolve_model("fake") == folder and (folder / "model.bin").read_bytes() == whole
    assert not any(p.name.startswith(".") for p in folder.iterdir())  # no temporaries left
    assert not any((site / "fake_whisper_part1" / "data").glob("model.bin"))  # never inside site-packages


def test_a_missing_part_names_the_package_to_install(split_model, monkeypatch):
    from sonitus.plugins.whisper import models

    packaged, _, _ = split_model
    missing = packaged.parts[1]._replace(distribution="fake-whisper-part3")
    monkeypatch.setitem(models.PACKAGED, "fake", packaged._replace(parts=(packaged.parts[0], missing)))
    with pytest.raises(DependencyError, match=r"fake-whisper-part3, which is not installed: pip install "
                                              r"'sonitus\[speech-fake\]'"):
        models.resolve_model("fake")


def test_a_truncated_or_changed_part_is_refused_and_nothing_is_written(split_model, tmp_path):
    from sonitus.plugins.whisper.models import resolve_model

    _, whole, site = split_model
    part = site / "fake_whisper_part2" / "data" / "model.bin.part2"
    part.write_bytes(part.read_bytes()[:-10])
    with pytest.raises(CheckpointError, match=r"truncated or changed.*fake-whisper-part2==2.0"):
        resolve_model("fake")
    part.write_bytes(b"X" * len(whole[len(b"first half of model.bin ") * 1000:]))
    with pytest.raises(CheckpointError, match=r"SHA-256.*fake-whisper-part2==2.0"):
        resolve_model("fake")
    assert not list((tmp_path / "cache").rglob("model.bin"))


def test_a_wrong_whole_is_refused_after_joining(split_model, monkeypatch, tmp_path):
    from sonitus.plugins.whisper import models

    packaged, _, _ = split_model
    monkeypatch.setitem(models.PACKAGED, "fake", packaged._replace(sha256="0" * 64))
    with pytest.raises(CheckpointError, match="do not join into the model"):
        models.resolve_model("fake")
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.is_file() and "model.bin" in p.name]


def test_sonitus_models_lists_where_each_model_is(split_model):
    import json

    from cli_helpers import run_cli

    result = run_cli("models", "--json")
    assert result.returncode == 0, result.stderr
    rows = {(m["stage"], m["name"]): m for m in json.loads(result.stdout)}
    assert rows[("whisper", "tiny.en")]["default"] is True
    for name in ("tiny.en", "base"):
        row = rows[("whisper", name)]
        assert (row["path"] is None) != (row["problem"] is None) and row["available"] == (row["path"] is not None)
