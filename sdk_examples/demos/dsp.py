"""DSP: clean a noisy clip, extract features in a batch, and rebuild audio by Griffin-Lim."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from sonitus import Audio
from sonitus.dsl import save, stage


def _voice(seconds: float, sr: int = 16000) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    f0 = 140 + 30 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(f0) / sr
    x = sum(np.exp(-((h * f0 - 700) / 500) ** 2) * np.sin(h * phase) for h in range(1, 20))
    x *= np.clip(np.sin(2 * np.pi * 3 * t), 0, None)
    return (0.5 * x / np.abs(x).max()).astype(np.float32)


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    clean = _voice(3.0)
    noise = np.random.default_rng(0).standard_normal(clean.size).astype(np.float32)
    noise *= np.sqrt(np.sum(clean ** 2) / np.sum(noise ** 2))  # 0 dB SNR
    noisy = Audio(clean + noise, 16000)
    noisy.save(out_dir / "noisy.wav")
    cleaned = (noisy >> stage("denoise") >> stage("normalize", target_db=-1) >> save(out_dir / "denoised.wav")).run()
    out = Audio.load(cleaned).mono
    scale = np.dot(out, clean) / np.dot(out, out)
    snr = lambda est: 10 * np.log10(np.sum(clean ** 2) / np.sum((est - clean) ** 2))  # noqa: E731
    print(f"denoise: SNR {snr(clean + noise):.1f} dB -> {snr(scale * out):.1f} dB  (wrote {cleaned.name})")

    clips = [Audio(_voice(s), 16000) for s in (1.0, 2.5, 4.0, 5.0)] * 8
    mfcc = stage("mfcc", n_mfcc=13, deltas=2, cmvn=True, n_fft=512, hop_length=160)
    for run in ("first run, compiling", "second run, compiled"):
        start = time.perf_counter()
        features = mfcc.map(clips)
        print(f"mfcc+deltas+CMVN of {len(clips)} clips ({sum(c.duration for c in clips):.0f} s of audio): "
              f"{time.perf_counter() - start:.3f} s ({run})")
    print(f"  first clip: {features[0]!r}")

    spec = stage("spectrogram", n_fft=1024, hop_length=256).run(Audio(clean, 16000))
    rebuilt = (spec >> stage("griffin-lim", n_iter=32) >> save(out_dir / "griffinlim.wav")).run()
    from sonitus.dsp.griffinlim import spectral_convergence

    sc = spectral_convergence(spec.magnitude, Audio.load(rebuilt).mono, hop_length=256)
    print(f"griffin-lim: 32 iterations, spectral convergence {sc:.3f} (wrote {rebuilt.name})")
