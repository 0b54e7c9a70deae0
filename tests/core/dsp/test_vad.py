"""Voice-activity helpers: telling speech-like sounds from steady ones."""

import numpy as np


def test_sounds_like_speech_tells_syllables_from_steady_sounds():
    from sonitus.dsp.vad import sounds_like_speech

    t = np.arange(16000) / 16000
    syllables = np.sin(2 * np.pi * 150 * t) * (0.05 + np.abs(np.sin(2 * np.pi * 4 * t)))  # 8 syllables a second
    assert sounds_like_speech(syllables.astype(np.float32), sample_rate=16000)
    for steady in (np.zeros(16000), 0.3 * np.sin(2 * np.pi * 440 * t),
                   0.1 * np.random.default_rng(0).standard_normal(16000), 1e-5 * np.ones(16000)):
        assert not sounds_like_speech(steady.astype(np.float32), sample_rate=16000)
