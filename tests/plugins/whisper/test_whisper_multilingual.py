"""Multilingual Whisper: the token ids come from the checkpoint's vocabulary, the language is
detected from the first decoder step, and translate puts its task token in the prompt. A tiny
random model in the multilingual layout, written by the test (no download)."""

import json

import numpy as np
import pytest
from sonitus.errors import ParameterError
from tiny_whisper import MULTILINGUAL_VOCAB, random_params, write_ct2, write_multilingual_tokenizer


@pytest.fixture(scope="module")
def multilingual(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny-multilingual")
    config, params = random_params(3, n_vocab=MULTILINGUAL_VOCAB)
    write_ct2(folder, params, config, dtype=np.float32)
    vocabulary = write_multilingual_tokenizer(folder)
    return folder, vocabulary


def _speech():
    from sonitus.tts import Voice, synthesize

    return synthesize("guten tag, wie geht es dir", Voice("espeak", "de"))


def test_special_tokens_are_read_from_the_vocabulary(multilingual):
    from sonitus.plugins.whisper.runtime import load_runtime

    folder, vocabulary = multilingual
    tok = load_runtime(str(folder)).tokenizer
    assert tok.multilingual and len(tok.languages) == 99
    assert tok.sot_sequence(language="de", task="translate") == (
        vocabulary.index("<|startoftranscript|>"), vocabulary.index("<|de|>"), vocabulary.index("<|translate|>"))
    assert tok.sot_sequence(language="fr") == (
        vocabulary.index("<|startoftranscript|>"), vocabulary.index("<|fr|>"), vocabulary.index("<|transcribe|>"))
    assert tok.timestamp_begin == vocabulary.index("<|0.00|>")
    with pytest.raises(ParameterError, match="Unknown language 'xx'"):
        tok.sot_sequence(language="xx")


def test_an_unknown_language_is_refused_before_any_model_loads(tmp_path):
    from sonitus.plugins.whisper.recognizer import WhisperRecognizer

    with pytest.raises(ParameterError, match="unknown language 'xx'.*de, el, en"):
        WhisperRecognizer(model=str(tmp_path / "not-a-model"), language="xx")
    assert WhisperRecognizer(model=str(tmp_path / "not-a-model"), language="de").language == "de"


def test_language_detection_is_the_likeliest_language_token_after_startoftranscript(multilingual):
    from sonitus.plugins.whisper.decoding import _detect_languages
    from sonitus.plugins.whisper.frontend import N_FRAMES, N_SAMPLES, log_mel
    from sonitus.plugins.whisper.runtime import load_runtime

    folder, _ = multilingual
    rt = load_runtime(str(folder))
    mel = log_mel(_speech(), n_mels=rt.config.n_mels, padding=N_SAMPLES)[:, :N_FRAMES]
    cross = rt.encode_windows([mel])
    (code, probability), = _detect_languages(rt, cross, 1)
    logp, _ = rt.read(rt.params, np.array([[rt.tokenizer.sot]], np.int32), cross)  # teacher-forced pass
    ids = np.array(list(rt.tokenizer.languages.values()))
    scores = np.asarray(logp)[0, 0, ids]
    expected = np.exp(scores - scores.max()) / np.exp(scores - scores.max()).sum()
    assert code == list(rt.tokenizer.languages)[int(expected.argmax())]
    assert probability == pytest.approx(float(expected.max()), rel=1e-3)


def test_transcripts_and_json_carry_the_language(multilingual):
    from sonitus import Audio
    from sonitus.plugins.whisper.recognizer import WhisperRecognizer
    from sonitus.transcript_formats import format_transcript

    folder, _ = multilingual
    audio = Audio(_speech(), 16000)
    detected = WhisperRecognizer(str(folder), beam=1, word_timestamps=False)(audio)
    assert detected.info["language"] in WhisperRecognizer(str(folder)).runtime.tokenizer.languages
    assert 0 < detected.info["language_probability"] <= 1
    assert json.loads(format_transcript(detected, "json"))["language"] == detected.info["language"]
    given = WhisperRecognizer(str(folder), beam=1, word_timestamps=False, language="de", task="translate")(audio)
    assert given.info == {"language": "de"}


def test_an_english_only_model_refuses_translate_and_other_languages():
    from sonitus.plugins.whisper.tokenizer import WhisperTokenizer

    tok = WhisperTokenizer.__new__(WhisperTokenizer)
    tok.n_vocab, tok.sot = 51864, 50257
    with pytest.raises(ParameterError, match="English-only"):
        tok.sot_sequence(task="translate")
    with pytest.raises(ParameterError, match="English-only"):
        tok.sot_sequence(language="de")
