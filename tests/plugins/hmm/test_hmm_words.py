"""The hmm-words recogniser: training on toy data, checkpoints, and the shipped model on unheard voices."""

import shutil

import numpy as np
import pytest
from cli_helpers import run_cli
from sonitus import Audio, Transcript
from sonitus.dsl import recognize, stage
from sonitus.errors import CheckpointError
from sonitus.plugins.hmm.data import split_variants
from sonitus.plugins.hmm.words import WordModels, default_model_path, train_word

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


def _toy_words(rng):
    """Two 'words' whose feature sequences rise or fall through three regions."""
    def clip(direction):
        parts = [rng.normal(direction * level, 0.3, (rng.integers(6, 10), 3)) for level in (-2, 0, 2)]
        return np.concatenate(parts)
    return {"rise": [clip(1) for _ in range(12)], "fall": [clip(-1) for _ in range(12)]}


def test_flat_start_word_models_tell_two_words_apart(tmp_path):
    rng = np.random.default_rng(0)
    data = _toy_words(rng)
    models = {w: train_word(seqs, n_states=3, n_mix=1, n_iter=5) for w, seqs in data.items()}
    history = models["rise"].history_
    assert np.all(np.diff(history) >= -1e-5 * abs(history[-1]))  # float32 round-off
    assert models["rise"].transmat_[1, 0] == 0 and models["rise"].transmat_[2, 1] == 0  # left to right
    bundle = WordModels.from_models(models, {"sample_rate": 16000})
    test = _toy_words(np.random.default_rng(1))
    scores = bundle.log_likelihoods(test["rise"] + test["fall"])
    predicted = [bundle.words[i] for i in scores.argmax(axis=1)]
    assert predicted == ["rise"] * 12 + ["fall"] * 12
    path = bundle.save(tmp_path / "toy.ckpt")
    again = WordModels.load(path)
    assert again.words == bundle.words
    np.testing.assert_allclose(again.log_likelihoods(test["rise"][:2]), scores[:2], rtol=1e-6)
    with pytest.raises(CheckpointError):
        WordModels.load(tmp_path / "missing.ckpt")


def test_the_model_ships_inside_the_package():
    assert default_model_path().exists()
    bundle = WordModels.load()
    assert len(bundle.words) == 20 and "seven" in bundle.words


@needs_espeak
def test_shipped_model_on_voices_it_never_heard():
    from sonitus.tts import Voice, synthesize

    _, held_out = split_variants()
    words = ["zero", "three", "six", "nine", "yes", "stop", "left", "off"]
    clips, truth = [], []
    for i, word in enumerate(words):
        for j, variant in enumerate(held_out[i % 3::8][:2]):
            voice = Voice("espeak", f"{['en-us', 'en-gb'][j]}+{variant}", rate=140 + 20 * j, pitch=35 + 10 * j)
            clips.append(Audio(synthesize(word, voice), 16000))
            truth.append(word)
    results = stage("hmm-words").map(clips)
    assert all(isinstance(r, Transcript) and len(r.words) == 1 for r in results)
    accuracy = np.mean([r.text == t for r, t in zip(results, truth)])
    assert accuracy >= 0.8, [(r.text, t) for r, t in zip(results, truth)]
    word = results[0].words[0]
    assert 0 <= word.start < word.end <= clips[0].duration and 0 < word.confidence <= 1


@needs_espeak
def test_dsl_and_cli_end_to_end(tmp_path):
    from sonitus.tts import Voice, synthesize

    voice = Voice("espeak", "en-us", rate=160)
    rows = []
    for word in ("four", "go", "right"):
        path = tmp_path / f"{word}.wav"
        Audio(synthesize(word, voice), 16000).save(path)
        rows.append(f"{path.name}\t{word}")
    (tmp_path / "test.tsv").write_text("\n".join(rows) + "\n")
    from sonitus.dsl import load, text

    assert (load(tmp_path / "go.wav") >> recognize("hmm-words") >> text()).run() == "go"
    result = run_cli("eval", "hmm-words", str(tmp_path / "test.tsv"))
    assert result.returncode == 0, result.stderr
    assert "3/3 correct" in result.stdout
    result = run_cli("eval", "hmm-words", str(tmp_path / "missing.tsv"))
    assert result.returncode == 1 and "does not exist" in result.stderr


@needs_espeak
def test_confidence_separates_words_from_non_words_and_rejects():
    from sonitus.tts import Voice, synthesize

    voice = Voice("espeak", "en-gb+f2", rate=150)
    words = [Audio(synthesize(w, voice), 16000) for w in ("three", "yes", "left", "off")]
    others = [Audio(synthesize(s, voice), 16000) for s in ("banana", "the weather is lovely today", "elephant")]
    known = [r.words[0].confidence for r in stage("hmm-words").map(words)]
    unknown = [r.words[0].confidence for r in stage("hmm-words").map(others)]
    assert not all(c > 0.999 for c in known + unknown)  # not 1.00 for everything any more
    assert np.mean(known) > np.mean(unknown) + 0.1
    strict = stage("hmm-words", threshold=0.999).map(others)
    assert any(r.text == "" and not r.words for r in strict)


def test_sounds_that_are_not_speech_get_no_word():
    """Silence, a tone, a chirp and steady noise used to be answered 'seven', 'no', 'left'."""
    rng = np.random.default_rng(0)
    t = np.arange(16000) / 16000
    clips = [np.zeros(16000), 1e-4 * rng.standard_normal(16000), 0.3 * np.sin(2 * np.pi * 440 * t),
             0.3 * np.sin(2 * np.pi * (200 * t + 800 * t ** 2)), 0.1 * rng.standard_normal(16000)]
    results = stage("hmm-words").map([Audio(c.astype(np.float32), 16000) for c in clips])
    assert [r.text for r in results] == [""] * 5 and all(not r.words for r in results)


@needs_espeak
def test_train_hmm_words_learns_a_small_vocabulary_end_to_end(tmp_path):
    """`sonitus train hmm-words --no-make-data` on a small labelled folder, then `eval hmm-words`."""
    import json

    from sonitus.tts import Voice, synthesize

    rows = []
    for i, word in enumerate(("yes", "no", "stop") * 6):
        path = tmp_path / f"{i:02d}-{word}.wav"
        Audio(synthesize(word, Voice("espeak", "en-us", rate=130 + 10 * (i % 5), pitch=30 + 8 * (i % 4))),
              16000).save(path)
        rows.append(f"{path.name}\t{word}")
    (tmp_path / "train.tsv").write_text("\n".join(rows) + "\n")
    result = run_cli("train", "hmm-words", "--data", str(tmp_path), "--no-make-data", "--out", str(tmp_path / "m.ckpt"),
                     "--states", "4", "--mix", "1", "--iterations", "3", "--speed-perturb", "0.1")
    assert result.returncode == 0, result.stderr
    assert "trained 3 word models on 36 clips" in result.stdout
    result = run_cli("eval", "hmm-words", str(tmp_path / "train.tsv"), "--model", str(tmp_path / "m.ckpt"), "--json")
    report = json.loads(result.stdout)
    assert report["clips"] == 18 and report["accuracy"] >= 0.8 and "correct" not in report
