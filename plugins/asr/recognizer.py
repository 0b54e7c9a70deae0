"""The ``ctc`` recogniser stage: Audio -> Transcript with the shipped (or a named) model.

>>> from sonitus import Audio                                    # doctest: +SKIP
>>> from sonitus.plugins.asr.recognizer import CTCRecognizer
>>> rec = CTCRecognizer()                       # plugins/asr/weights/default.ckpt
>>> t = rec(Audio.load("talk.wav"))
>>> t.text, [(w.text, w.start, w.end, w.confidence) for w in t.words]
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from sonitus import Audio, Transcript
from sonitus.errors import CheckpointError, ParameterError
from sonitus.jit import bucket_length
from sonitus.manifests import read_phrases
from sonitus.stages import StageBase

from .defaults import DEFAULT_ALPHA, DEFAULT_BEAM, DEFAULT_BETA, DEFAULT_GRAMMAR_THRESHOLD
from .model import ModelConfig

__all__ = ["CTCRecognizer", "LoadedModel", "default_model_path", "transcribe_arrays", "load_model", "DEFAULT_BEAM"]

SR = 16000
#: padded lengths (seconds) used to batch audio, so that few shapes are ever compiled
BUCKETS = (2.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0, 32.0)
BUCKET_SAMPLES = tuple(int(b * SR) for b in BUCKETS)


def default_model_path() -> Path:
    """The model shipped in the package (``plugins/asr/weights/default.ckpt``)."""
    return Path(__file__).with_name("weights") / "default.ckpt"


class LoadedModel(NamedTuple):
    """A checkpoint ready to run: its config, parameters, the jitted ``infer(x, lengths) ->
    (logp [batch, frames, vocab], out_lengths)`` and the checkpoint header."""

    config: ModelConfig
    params: Any
    infer: Callable
    header: dict


@functools.lru_cache(maxsize=4)
def load_model(path: str | None = None) -> LoadedModel:
    """The model of a checkpoint (default: the shipped one), loaded once per path."""
    import jax
    from sonitus.checkpoints import load_checkpoint

    from .model import MODEL_NAME, build_model, features

    p = Path(path) if path else default_model_path()
    if not p.exists():
        if path:
            raise CheckpointError(f"ASR model {p} does not exist; check the path, or leave out --model to use "
                                  "the model that ships with sonitus.")
        raise CheckpointError(f"This sonitus install has no speech model ({p} is missing; it ships in the "
                              "sonitus package); reinstall sonitus, or train one with 'sonitus train asr' and "
                              "pass it with --model.")
    ckpt = load_checkpoint(p, keys=("params",))
    if ckpt.header.get("model") not in (MODEL_NAME, MODEL_NAME + "-train"):
        raise CheckpointError(f"{p} holds a '{ckpt.header.get('model')}' model, not a {MODEL_NAME} model.")
    config = ckpt.model_config(ModelConfig)
    params = jax.tree_util.tree_map(jax.numpy.asarray, ckpt.state["params"])
    module = build_model(config)

    @jax.jit
    def infer(x, lengths):
        feats, frames = features(config, x, lengths)
        return module.apply(params, feats, frames, train=False)

    return LoadedModel(config, params, infer, dict(ckpt.header))


def _bucket(n: int) -> int:
    return bucket_length(n, sizes=BUCKET_SAMPLES, step=8 * SR)


def logprobs_arrays(infer: Callable, waves: Sequence[np.ndarray], *, batch: int = 16) -> list[np.ndarray]:
    """Log-probabilities ``[frames, vocab]`` for float 16 kHz waveforms, batched by length."""
    order = sorted(range(len(waves)), key=lambda i: len(waves[i]))
    out: list[np.ndarray | None] = [None] * len(waves)
    i = 0
    while i < len(order):
        size = _bucket(len(waves[order[i]]))
        group = [order[i]]
        i += 1
        while i < len(order) and len(group) < batch and len(waves[order[i]]) <= size:
            group.append(order[i])
            i += 1
        rows = len(group) if len(group) == batch else 1 << (len(group) - 1).bit_length()
        x = np.zeros((rows, size), np.float32)
        lengths = np.full(rows, 160, np.int32)
        for r, k in enumerate(group):
            x[r, :len(waves[k])] = waves[k]
            lengths[r] = max(len(waves[k]), 160)
        logp, out_len = infer(x, lengths)
        logp, out_len = np.asarray(logp), np.asarray(out_len)
        for r, k in enumerate(group):
            out[k] = logp[r, :out_len[r]]
    return out  # type: ignore[return-value]


def transcribe_arrays(infer: Callable, config: ModelConfig, waves: Sequence[np.ndarray], *,
                      decode: Callable | None = None, batch: int = 16, timings: bool = False) -> list[Transcript]:
    """Transcripts of float 16 kHz waveforms; ``decode(logp) -> text`` (default greedy)."""
    from .decode import greedy, word_timings

    decode = decode or greedy
    out = []
    for logp in logprobs_arrays(infer, waves, batch=batch):
        text = decode(logp)
        if timings:
            out.append(Transcript(text, word_timings(logp, text, config.frame_rate)))
        else:
            out.append(Transcript(text))
    return out


class CTCRecognizer(StageBase):
    """Audio -> Transcript with a CTC model: greedy, beam (+ word LM) or grammar decoding.

    Args:
        model: checkpoint path (default: the shipped model).
        beam: 1 for greedy decoding, else the prefix-beam width (default ``DEFAULT_BEAM``, as
            ``sonitus transcribe``).
        lm: use the word n-gram LM stored with the model (beam > 1 only).
        grammar: phrases (or a file with one per line): decode only these; a rejected
            utterance gives an empty transcript; ``score`` is minus the rejection score.
        alpha, beta: LM weight and word bonus.
        threshold: grammar mode's rejection threshold, in nats a frame by which free decoding
            may beat the best phrase. Lower rejects more near misses and more real commands
            (docs/asr.md has the measured trade-off).
    """

    name = "ctc"
    consumes = Audio
    produces = Transcript
    #: the rate the model hears; other audio is resampled (``recognize()`` does it first)
    sample_rate = SR

    def __init__(self, model: str | None = None, *, beam: int = DEFAULT_BEAM, lm: bool = True,
                 grammar: Sequence[str] | str | None = None, alpha: float = DEFAULT_ALPHA,
                 beta: float = DEFAULT_BETA,
                 threshold: float = DEFAULT_GRAMMAR_THRESHOLD, batch: int = 16):
        if beam < 1:
            raise ParameterError(f"ctc: beam must be >= 1, not {beam}.")
        if not threshold >= 0:
            raise ParameterError(f"ctc: threshold must be >= 0 nats a frame, not {threshold}.")
        self.model, self.beam, self.alpha, self.beta = model, int(beam), alpha, beta
        self.threshold, self.batch = threshold, batch
        self.use_lm = lm
        if isinstance(grammar, (str, Path)):
            path = Path(grammar)
            if not path.exists():
                raise ParameterError(f"Grammar file {path} does not exist; give one phrase per line.")
            grammar = read_phrases(path)
        self.grammar = list(grammar) if grammar else None

    @property
    def options(self) -> dict:
        return {"model": self.model, "beam": self.beam, "grammar": self.grammar}

    @functools.cached_property
    def _loaded(self):
        return load_model(self.model)

    @functools.cached_property
    def _lm(self):
        from .lm import NGramLM

        path = Path(self.model) if self.model else default_model_path()
        lm_path = path.with_suffix(".lm.json")
        if self.use_lm and self.beam > 1 and lm_path.exists():
            return NGramLM.load(lm_path)
        return None

    def warm_up(self) -> None:
        """Load the model, and the word LM with its look-ahead table where beam search uses it,
        now rather than on the first audio (so that a timing measures decoding alone)."""
        _ = self._loaded  # a cached property: reading it loads the model
        if self._lm is not None:
            self._lm.prefix_score("a")

    @property
    def frame_rate(self) -> float:
        return self._loaded.config.frame_rate

    @staticmethod
    def _waves(audios: Sequence[Audio]) -> list[np.ndarray]:
        return [a.to_mono().resample(SR).mono.astype(np.float32) if a.sample_rate != SR or a.channels != 1
                else a.mono.astype(np.float32) for a in audios]

    def logprobs(self, audios: Sequence[Audio]) -> list[np.ndarray]:
        """Log-probabilities ``[frames, vocab]`` of each audio (any rate and channel count)."""
        return logprobs_arrays(self._loaded.infer, self._waves(audios), batch=self.batch)

    def decode(self, logp: np.ndarray, wave: np.ndarray | None = None) -> Transcript:
        """One Transcript from log-probabilities (text, word timings and confidences); with the
        16 kHz ``wave`` the word edges are moved onto where the sound starts and stops."""
        from .decode import beam_search, grammar_decode, greedy, word_timings

        score, info = None, {}
        if self.grammar:
            result = grammar_decode(logp, self.grammar, threshold=self.threshold, beam=max(self.beam, 4))
            text = result.phrase or ""
            from sonitus.text import normalize

            text = normalize(text)
            score = -result.rejection
            info = {"rejected": not result.accepted, "best": result.best,
                    "rejection": round(result.rejection, 4), "threshold": self.threshold}
        elif self.beam > 1:
            text, score = beam_search(logp, beam=self.beam, lm=self._lm, alpha=self.alpha, beta=self.beta)[0]
        else:
            text = greedy(logp)
        words = word_timings(logp, text, self.frame_rate, audio=wave, sample_rate=SR) if text else ()
        return Transcript(text, words, score, info)

    def transcribe(self, audios: Sequence[Audio]) -> list[Transcript]:
        """Transcripts of many audios, batched by length."""
        waves = self._waves(audios)
        logps = logprobs_arrays(self._loaded.infer, waves, batch=self.batch)
        return [self.decode(lp, w) for lp, w in zip(logps, waves)]

    def map(self, values: Sequence[Audio]) -> list[Transcript]:
        """Batch transcription (what ``Pipeline.map`` uses)."""
        return self.transcribe(values)

    def __call__(self, audio: Audio) -> Transcript:
        return self.transcribe([audio])[0]
