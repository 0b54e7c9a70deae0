"""The tts-speech corpus: sentence sources, the held-out dev voices and a corpus that only grows."""

import shutil
from pathlib import Path

import pytest
from sonitus.errors import SonitusError
from sonitus.plugins.tts_speech import sentences as _text
from sonitus.plugins.tts_speech.build import DEV_FESTIVAL, DEV_MBROLA, DEV_VARIANTS, build, plan

needs_sources = pytest.mark.skipif(not (_text.FORTUNE_DIR.is_dir() and _text.WORDS_FILE.exists()),
                                   reason="needs Debian's fortunes and wamerican (make test installs them)")


@needs_sources
def test_sentence_pool_is_large_distinct_and_normalised():
    pool = _text.sentence_pool(0)
    assert len(pool) >= 20000 and len(set(pool)) == len(pool)
    assert all(s == _text.normalize(s) and s for s in pool[:2000])


def test_a_missing_sentence_source_is_an_error(tmp_path):
    with pytest.raises(SonitusError, match="fortunes"):
        _text.fortune_sentences(tmp_path / "none")
    with pytest.raises(SonitusError, match="wamerican"):
        _text.word_list(tmp_path / "words")


@needs_sources
@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")
def test_dev_voices_and_sentences_are_never_in_training():
    jobs, train_text = plan(train=3000, dev=120)
    train = [j for j in jobs if j.split == "train"]
    dev = [j for j in jobs if j.split == "dev"]
    train_voices = {j.voice.name for j in train}
    assert not {j.text for j in dev} & set(train_text)
    assert not any(j.voice.engine == "festival" for j in train)  # a whole engine held out
    assert {j.voice.name for j in dev if j.voice.engine == "festival"} == set(DEV_FESTIVAL)
    assert DEV_MBROLA not in train_voices
    assert not any(v in name.split("+")[1:] for name in train_voices for v in DEV_VARIANTS)
    assert all(j.voice.engine == "festival" or j.voice.name == DEV_MBROLA
               or j.voice.name.split("+")[1] in DEV_VARIANTS for j in dev)


@needs_sources
@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")
def test_variety_changes_training_voices_only():
    plain, _ = plan(train=600, dev=60)
    varied, _ = plan(train=600, dev=60, variety=1)
    assert [j.text for j in plain] == [j.text for j in varied]
    assert [j for j in plain if j.split == "dev"] == [j for j in varied if j.split == "dev"]
    made_up = [j.voice for j in varied if j.voice.variant is not None]
    assert len(made_up) > 150 and len({v.variant.name for v in made_up}) > 100
    assert all("+" not in v.name for v in made_up)  # the made-up variant replaces the stock one


def test_an_existing_corpus_is_not_shrunk(tmp_path: Path):
    (tmp_path / "train.tsv").write_text("".join(f"a{i}.wav\tword\n" for i in range(5)))
    with pytest.raises(SonitusError, match="already lists 5 train"):
        build(tmp_path, train=3, dev=0)


def test_the_default_data_folder_is_the_users_not_a_developers(monkeypatch, tmp_path):
    from cli_helpers import run_cli
    from sonitus.plugins.tts_speech import default_root

    monkeypatch.delenv("SONITUS_ASR_DATA", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_root() == str(tmp_path / "sonitus" / "asr")
    help_text = run_cli("generate", "tts-speech", "--help").stdout
    assert "~/.local/share/sonitus/asr" in help_text and "/work/" not in help_text
