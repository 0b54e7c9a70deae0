"""Defaults shared by the ``ctc`` stage, ``sonitus transcribe`` and ``sonitus eval asr``."""

#: the beam width used when none is given
DEFAULT_BEAM = 8
