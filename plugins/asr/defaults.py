"""Defaults shared by the ``ctc`` stage, ``sonitus transcribe`` and ``sonitus eval asr``."""

#: the beam width used when none is given
DEFAULT_BEAM = 8
#: LM weight and per-word bonus of beam search (tuned on the dev set, docs/asr.md)
DEFAULT_ALPHA = 0.5
DEFAULT_BETA = 1.0
#: grammar mode accepts its best phrase when free decoding beats it by at most this many nats
#: a frame (chosen on voices never heard in training, benchmarks/grammar_rejection.py)
DEFAULT_GRAMMAR_THRESHOLD = 0.5
