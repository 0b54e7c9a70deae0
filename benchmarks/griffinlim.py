"""Griffin-Lim, 10 s at 22.05 kHz, 32 iterations: librosa vs NumPy/SciPy vs sonitus (jitted JAX).

Prints the best and the median of 7 runs taken in turns, ratios and the spectral convergence each reaches from the same
(zero) initial phase. Run: ``.venv/bin/python benchmarks/griffinlim.py``.
"""

from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _cli import make_parser  # noqa: E402
from _timing import interleaved_times, report  # noqa: E402

SR, N_FFT, HOP, N_ITER = 22050, 2048, 512, 32


def numpy_griffinlim(S: np.ndarray, length: int) -> np.ndarray:
    """Fast Griffin-Lim with scipy.fft (all cores) and strided framing."""
    import scipy.fft
    from sonitus.dsp.spectral import get_window

    w = get_window("hann", N_FFT, N_FFT)
    frames = S.shape[1]
    total = N_FFT + HOP * (frames - 1)
    index = (np.arange(frames)[:, None] * HOP + np.arange(N_FFT)[None, :])
    wss = np.zeros(total)
    np.add.at(wss, index.ravel(), np.tile(w ** 2, frames))
    wss = np.where(wss > 1e-10, wss, 1.0)

    def istft(spec):
        y = scipy.fft.irfft(spec.T, n=N_FFT, axis=-1, workers=-1) * w
        out = np.zeros(total)
        np.add.at(out, index.ravel(), y.ravel())
        return (out / wss)[N_FFT // 2:N_FFT // 2 + length]

    def stft(x):
        padded = np.pad(x, (N_FFT // 2, N_FFT // 2 + max(0, total - length - N_FFT)))
        fr = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP][:frames]
        return scipy.fft.rfft(fr * w, axis=-1, workers=-1).T

    angles = np.ones(S.shape, np.complex64)
    rebuilt = np.zeros_like(angles)
    for _ in range(N_ITER):
        previous = rebuilt
        rebuilt = stft(istft(S * angles))
        angles = rebuilt - (0.99 / 1.99) * previous
        angles /= np.abs(angles) + 1e-16
    return istft(S * angles)


def fft_floor(S: np.ndarray):
    """What no Griffin-Lim can beat: ``N_ITER`` chained irfft + rfft of every frame (jitted,
    each iteration feeds the next, so that XLA cannot drop any)."""
    import jax
    import jax.numpy as jnp

    @jax.jit
    def chained(spec):
        def body(_, frames):
            return jnp.fft.rfft(jnp.fft.irfft(frames, n=N_FFT, axis=-1), axis=-1)

        # unrolled: inside an XLA CPU while loop the FFTs run on one core (docs/dsp.md)
        return jax.lax.fori_loop(0, N_ITER, body, spec, unroll=True)

    frames = jnp.asarray(S.T, jnp.complex64)
    return lambda: chained(frames).block_until_ready()


def main() -> None:
    make_parser(__doc__).parse_args()
    import jax
    import librosa
    from sonitus.dsp.griffinlim import griffinlim, spectral_convergence

    t = np.arange(10 * SR) / SR
    x = sum(np.sin(2 * np.pi * f * t + 3 * np.sin(2 * np.pi * 0.5 * t)) / k
            for k, f in enumerate((220, 440, 660, 990, 1320), 1)).astype(np.float32) * 0.2
    S = np.abs(librosa.stft(x, n_fft=N_FFT, hop_length=HOP)).astype(np.float32)
    print(f"JAX {jax.__version__} on {jax.devices()[0].platform}; {os.cpu_count()} CPU cores; librosa {librosa.__version__}")
    ours = lambda: np.asarray(griffinlim(S, n_iter=N_ITER, hop_length=HOP, init=None, length=x.size))  # noqa: E731
    theirs = lambda: librosa.griffinlim(S, n_iter=N_ITER, hop_length=HOP, init=None, length=x.size)  # noqa: E731
    times = interleaved_times({"librosa": theirs, "numpy/scipy": lambda: numpy_griffinlim(S, x.size),
                               "sonitus": ours, "FFT floor": fft_floor(S)})
    for label, pick in (("best of 7, taken in turns", 0), ("median of 7", 1)):
        rows = {name: t[pick] for name, t in times.items() if name != "FFT floor"}
        floor = times["FFT floor"][pick]
        report(f"Griffin-Lim, 10 s @ {SR} Hz, {N_ITER} iterations, n_fft {N_FFT} ({label})", rows)
        print(f"  FFT floor      {floor * 1000:9.1f} ms   ({N_ITER} x irfft + rfft of {S.shape[1]} frames in "
              f"jnp.fft; sonitus takes {rows['sonitus'] / floor:.2f}x the floor)")
    print(f"  spectral convergence: sonitus {spectral_convergence(S, ours(), hop_length=HOP):.4f}, "
          f"librosa {spectral_convergence(S, theirs(), hop_length=HOP):.4f}, "
          f"numpy/scipy {spectral_convergence(S, numpy_griffinlim(S, x.size), hop_length=HOP):.4f}")


if __name__ == "__main__":
    main()
