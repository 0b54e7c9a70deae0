"""Defaults shared by the ``ctc`` stage, ``sonitus transcribe`` and ``sonitus eval asr``."""

#: the beam width used when none is given
DEFAULT_BEAM = 8
#: LM weight and per-word bonus of beam search (tuned on the dev set, docs/asr.md)
DEFAULT_ALPHA = 0.5
DEFAULT_BETA = 1.0
