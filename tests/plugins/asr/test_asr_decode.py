"""CTC decoding against hand-computed cases: greedy, forward algorithm, beam search, grammar."""

import math

import numpy as np
import pytest
from sonitus.plugins.asr.decode import (
    beam_search,
    ctc_log_likelihood,
    forced_align,
    grammar_decode,
    greedy,
    greedy_ids,
    word_timings,
)
from sonitus.plugins.asr.lm import NGramLM
from sonitus.plugins.asr.model import VOCAB, encode_text

V = len(VOCAB)
B = 0


def idx(c):
    return VOCAB.index(c)


def frames(*rows):
    """Log-probs from rows of {label: prob}; the rest of each row's mass spread evenly."""
    out = np.full((len(rows), V), 1e-6)
    for t, row in enumerate(rows):
        for k, p in row.items():
            out[t, B if k == "_" else idx(k)] = p
        out[t] /= out[t].sum()
    return np.log(out)


def test_greedy_collapses_repeats_and_blanks():
    lp = frames({"a": 1}, {"a": 1}, {"_": 1}, {"a": 1}, {"b": 1}, {"b": 1}, {"_": 1})
    assert greedy_ids(lp) == [idx("a"), idx("a"), idx("b")]
    assert greedy(lp) == "aab"


def test_greedy_normalises_spaces():
    lp = frames({" ": 1}, {"h": 1}, {" ": 1}, {"_": 1}, {" ": 1}, {"i": 1}, {" ": 1})
    assert greedy(lp) == "h i"


def test_forward_algorithm_matches_hand_computation():
    # two frames, vocab {blank, a}: P("a") = p(a,a) + p(a,_) + p(_,a)
    p = np.array([[0.6, 0.4], [0.3, 0.7]])
    lp = np.full((2, V), -1e9)
    lp[:, B], lp[:, idx("a")] = np.log(p[:, 0]), np.log(p[:, 1])
    expected = 0.4 * 0.7 + 0.4 * 0.3 + 0.6 * 0.7
    assert ctc_log_likelihood(lp, "a") == pytest.approx(math.log(expected), rel=1e-6)
    # "aa" needs a blank between: only a,_,a with three frames
    lp3 = np.log(np.full((3, V), 1e-12))
    lp3[:, idx("a")] = np.log(0.5)
    lp3[:, B] = np.log(0.5)
    assert ctc_log_likelihood(lp3, "aa") == pytest.approx(3 * math.log(0.5), rel=1e-6)
    assert ctc_log_likelihood(lp3[:2], "aa") < -1e20  # impossible in two frames


def test_forward_agrees_with_optax():
    optax = pytest.importorskip("optax")
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(1, 12, V)).astype(np.float32)
    lp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    labels = np.array([encode_text("abba")], np.int32)
    loss = optax.ctc_loss(lp, np.zeros((1, 12)), labels, np.zeros((1, 4)))
    assert ctc_log_likelihood(lp[0], "abba") == pytest.approx(-float(loss[0]), rel=1e-4)


def test_beam_beats_greedy_on_ambiguous_case():
    # the best single path is "_ _" (blank, blank) but "a" has more total probability:
    # P(blank,blank)=0.36; P("a") = 0.4*0.4 + 0.4*0.6 + 0.6*0.4 = 0.64
    lp = frames({"_": 0.6, "a": 0.4}, {"_": 0.6, "a": 0.4})
    assert greedy(lp) == ""
    best, score = beam_search(lp, beam=4)[0]
    assert best == "a"
    assert score == pytest.approx(math.log(0.64), abs=1e-3)
    assert score >= ctc_log_likelihood(lp, greedy(lp))


def test_beam_with_lm_prefers_known_word():
    # acoustically "cat" and "cet" are close; the LM knows "the cat"
    rows = [{"t": 0.9}, {"h": 0.9}, {"e": 0.9}, {" ": 0.9}, {"c": 0.9}, {"e": 0.5, "a": 0.45}, {"t": 0.9}]
    lp = frames(*rows)
    assert greedy(lp) == "the cet"
    lm = NGramLM.build(["the cat sat", "the cat ran", "a cat ate"] * 3, order=2)
    assert beam_search(lp, beam=8)[0][0] == "the cet"
    assert beam_search(lp, beam=8, lm=lm, alpha=0.8, beta=0.5)[0][0] == "the cat"


def test_beam_score_is_ctc_plus_every_word_lm_term():
    """The best hypothesis's score is its CTC log-likelihood plus alpha times each word's LM
    log-probability given the words before it, beta a word, and alpha times the sentence end."""
    text = "the cat sat"
    lp = frames(*_spell(text))
    lm = NGramLM.build(["the cat sat", "the cat ran", "a dog sat"] * 2, order=2)
    alpha, beta = 0.7, 0.4
    best, score = beam_search(lp, beam=8, lm=lm, alpha=alpha, beta=beta)[0]
    assert best == text
    words = text.split()
    expected = ctc_log_likelihood(lp, text) + alpha * lm.end(tuple(words))
    expected += sum(alpha * lm.score(tuple(words[:i]), w) + beta for i, w in enumerate(words))
    assert score == pytest.approx(expected, abs=1e-4)  # the beam prunes a few near-zero alignments


def test_lm_save_load_roundtrip(tmp_path):
    lm = NGramLM.build(["the cat sat", "the dog sat"], order=3)
    lm2 = NGramLM.load(lm.save(tmp_path / "x.lm.json"))
    assert lm2.score(("the",), "cat") == pytest.approx(lm.score(("the",), "cat"))
    assert lm.score(("the",), "cat") > lm.score(("the",), "zebra")


def _spell(text, per_char=2, gap=2):
    rows = [{"_": 1}] * gap
    for c in text:
        rows += [{c: 1}] * per_char + [{"_": 1}]
    return rows + [{"_": 1}] * gap


def test_grammar_picks_phrase_and_rejects_out_of_grammar():
    phrases = ["turn on the light", "turn off the light", "play music"]
    lp = frames(*_spell("turn off the light"))
    res = grammar_decode(lp, phrases)
    assert res.accepted and res.phrase == "turn off the light"
    assert res.rejection == pytest.approx(0.0, abs=1e-3)
    other = grammar_decode(frames(*_spell("open the window")), phrases)
    assert not other.accepted and other.phrase is None and other.rejection > 0.5


def test_forced_alignment_spans():
    lp = frames({"_": 1}, {"h": 1}, {"h": 1}, {"_": 1}, {"i": 1}, {"_": 1})
    assert forced_align(lp, "hi") == [(0, 1, 2), (1, 4, 4)]


def test_word_timings_within_50ms_on_synthetic_posteriors():
    # 25 frames/s; "go" at 0.2-0.52 s, "home" at 1.0-1.4 s, spaces in the silence between
    fr = 25.0
    rows = [{"_": 1}] * 5 + [{"g": 1}] * 4 + [{"o": 1}] * 4 + [{"_": 1}] * 6 + [{" ": 1}] + [{"_": 1}] * 5
    rows += [{"h": 1}] * 3 + [{"o": 1}] * 2 + [{"m": 1}] * 3 + [{"e": 1}] * 2 + [{"_": 1}] * 5
    lp = frames(*rows)
    words = word_timings(lp, "go home", fr)
    assert [w.text for w in words] == ["go", "home"]
    truth = [(0.2, 0.52), (1.0, 1.4)]
    for w, (a, b) in zip(words, truth):
        assert abs(w.start - a) <= 0.05 and abs(w.end - b) <= 0.05
        assert 0.99 <= w.confidence <= 1.0


def _spelled(text, *, repeat=2, confidence=0.9):
    """Posteriors that spell ``text`` (each character ``repeat`` frames, blanks between)."""
    rows = []
    for c in text:
        rows += [{c: confidence}] * repeat + [{"_": confidence}]
    return frames(*rows)


def test_hundred_character_transcript_aligns_and_times():
    text = ("the quick brown fox jumps over the lazy dog while seven wizards quietly hex "
            "a jolly bad sphinx of quartz")
    assert len(text) >= 100
    lp = _spelled(text)
    assert greedy(lp) == text
    spans = forced_align(lp, text)
    assert len(spans) == len(encode_text(text))
    words = word_timings(lp, text, 25.0)
    assert [w.text for w in words] == text.split()
    assert words[-1].end == pytest.approx((len(lp) - 1) / 25.0, abs=0.05)


def test_beam_with_lm_keeps_word_boundaries():
    # known but rare words (log P ~ -6) and spaces only as likely as blanks: an LM that let
    # an open word go unscored, or charged one flat price for any unknown string, ran the
    # words together into one
    import random

    rng = random.Random(0)
    vocab = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 7))) for _ in range(400)]
    sentence = "we saw the red house near the river"
    corpus = [" ".join(rng.choice(vocab) for _ in range(8)) for _ in range(300)]
    lm = NGramLM.build(corpus + [sentence.replace(" near", ""), "red river near house"], order=2)
    rows = []
    for c in sentence:
        rows += [{" ": 0.3, "_": 0.6}] if c == " " else [{c: 0.9}, {"_": 0.9}]
    lp = frames(*rows)
    assert greedy(lp) == sentence.replace(" ", "")
    text, _ = beam_search(lp, beam=8, lm=lm, alpha=0.5, beta=1.0)[0]
    assert text == sentence


def test_lm_prefix_score_looks_ahead():
    lm = NGramLM.build(["the river runs", "the red house"], order=2)
    assert lm.prefix_score("ri") == lm.prefix_score("river") > lm.unk_logprob
    assert lm.prefix_score("zq") == lm.unk_score("zq") < lm.unk_score("z")


def test_skipping_blank_frames_keeps_the_best_text():
    rng = np.random.default_rng(0)
    rows = []
    for c in "the cat sat on a mat":
        rows += [{"_": 0.995}] * int(rng.integers(1, 4)) + [{c: 0.6, "_": 0.2, "q": 0.1}]
    lp = frames(*rows)
    exact = beam_search(lp, beam=8, blank_skip=1.0, top_k=V)[0][0]
    assert beam_search(lp, beam=8)[0][0] == exact == "the cat sat on a mat"


def test_word_edges_move_onto_the_sound():
    from sonitus import Word
    from sonitus.plugins.asr.decode import refine_word_times

    sr = 16000
    x = np.zeros(sr * 2, np.float32)
    x[int(0.30 * sr):int(0.70 * sr)] = 0.5  # word one: 0.30-0.70 s
    x[int(0.60 * sr):int(0.63 * sr)] = 0.0  # with a 30 ms dip (a stop consonant) inside it
    x[int(1.20 * sr):int(1.60 * sr)] = 0.05  # word two, 20 dB quieter: 1.20-1.60 s
    ctc = (Word("one", 0.32, 0.52, 0.9), Word("two", 1.28, 1.44, 0.8))  # CTC: late starts, early ends
    one, two = refine_word_times(ctc, x, sr)
    assert (one.start, one.end) == (0.30, 0.70) and (two.start, two.end) == (1.20, 1.60)
    assert one.confidence == 0.9


def test_refined_words_never_overlap():
    from sonitus import Word
    from sonitus.plugins.asr.decode import refine_word_times

    sr = 16000
    x = np.full(sr, 0.3, np.float32)  # sound all through: every word wants to grow
    ctc = tuple(Word(w, s, s + 0.1, 0.9) for w, s in (("a", 0.1), ("b", 0.4), ("c", 0.7)))
    words = refine_word_times(ctc, x, sr)
    assert all(p.end <= n.start for p, n in zip(words, words[1:]))
    assert words[0].start == 0.0 and words[-1].end == 1.0
