"""Fast Griffin-Lim phase reconstruction (Perraudin et al., 2013) in JAX.

Jitted; magnitudes may be batched ``[batch, freq, frames]``. Where a frame cuts into at
most 32 pieces of ``gcd(n_fft, hop)`` samples (librosa's quarter hop: 4; speech's 512 / 160:
16) the iterations run frames-major in unrolled chunks, else as a ``lax.fori_loop`` over a
gather/scatter STFT.
With the same iterations, momentum and initial phase it follows ``librosa.griffinlim``
step for step.
"""

from __future__ import annotations

import math

import numpy as np
from sonitus.errors import ParameterError
from sonitus.jit import lazy_jit

from .spectral import _defaults, _istft, _stft, get_window, window_envelope

__all__ = ["griffinlim", "spectral_convergence"]


@lazy_jit(static_argnames=("n_iter", "n_fft", "hop_length", "win_length", "window", "center", "length"))
def _griffinlim(S, angles, momentum, n_iter, n_fft, hop_length, win_length, window, center, length):
    import jax
    import jax.numpy as jnp

    eps = jnp.finfo(S.dtype).tiny
    S = S.astype(angles.real.dtype)

    def body(_, carry):
        angles, rebuilt = carry
        previous = rebuilt
        inverse = _istft.raw(S * angles, n_fft, hop_length, win_length, window, center, length)
        rebuilt = _stft.raw(inverse, n_fft, hop_length, win_length, window, center, "constant")
        angles = rebuilt - (momentum / (1 + momentum)) * previous
        angles = angles / (jnp.abs(angles) + eps)
        return angles, rebuilt

    angles, _ = jax.lax.fori_loop(0, n_iter, body, (angles, jnp.zeros_like(angles)))
    return _istft.raw(S * angles, n_fft, hop_length, win_length, window, center, length)


#: the frames-major path splits a frame into n_fft / gcd(n_fft, hop) pieces; past this many
#: the general path is faster
_MAX_PIECES = 32


def _frames_major_applies(n_fft: int, hop: int, frames: int, center: bool, length: int | None) -> bool:
    """Whether :func:`_griffinlim_frames` can run: centred frames, a hop of at most ``n_fft``
    that cuts a frame into at most ``_MAX_PIECES`` pieces of ``gcd(n_fft, hop)`` samples
    (librosa's quarter hop: 4; speech's 512 / 160: 16) and a ``length`` that re-frames to as
    many frames."""
    pieces = n_fft // math.gcd(n_fft, hop)
    return (center and hop <= n_fft and pieces <= _MAX_PIECES
            and (length is None or 1 + length // hop == frames))


# The frames-major path runs this many iterations per compiled call, unrolled. XLA's CPU FFT
# spreads its frames over the intra-op thread pool only when it is dispatched from the calling
# thread and not from inside a while loop: a ``fori_loop``, or any fusion that XLA partitions
# over threads (the program then goes on in a pool thread), makes every later FFT
# single-threaded. So the iterations are unrolled in chunks called from Python, and every
# fusion between two FFTs ends in an in-place ``dynamic_update_slice`` into a donated buffer
# one frame (or block row) larger than the update, which XLA never partitions. On 2 cores this
# takes a third off the time (``benchmarks/griffinlim.py``; not yet timed on a GPU).
_CHUNK = 8


class _Layout:
    """How frames and the signal are cut into pieces of ``g = gcd(n_fft, hop)`` samples.

    A frame is ``pieces = n_fft / g`` pieces; the signal is rows of ``slots = hop / g``
    pieces, so that frame ``f``'s piece ``k`` is the signal's row ``f + k // slots``, slot
    ``k % slots``. Framing and overlap-add become shifted slices and sums, no gather or
    scatter.
    """

    def __init__(self, n_fft: int, hop_length: int, frames: int) -> None:
        self.n_fft, self.hop, self.frames = n_fft, hop_length, frames
        self.size = math.gcd(n_fft, hop_length)
        self.pieces, self.slots = n_fft // self.size, hop_length // self.size
        self.rows = frames - 1 + -(-self.pieces // self.slots)  # signal rows of `slots` pieces
        self.total = n_fft + hop_length * (frames - 1)  # signal samples before trimming

    def output(self, length: int | None) -> slice:
        """Where the output lies in the overlap-added signal: past the centring pad, ``length``
        samples (by default, as many as the frames' hops)."""
        start = self.n_fft // 2
        return slice(start, start + (self.total - self.n_fft if length is None else length))

    def constants(self, win_length: int, window: str, length: int | None, dtype):
        """The window as ``[pieces, g]`` and the inverse window envelope as ``[rows, slots, g]``
        (zero outside the output, where istft + stft pad, and past the signal's end)."""
        import jax.numpy as jnp

        w = get_window(window, win_length, self.n_fft)
        scale = np.zeros(self.rows * self.slots * self.size)
        out = self.output(length)
        keep = slice(out.start, min(out.stop, self.total))
        scale[keep] = 1.0 / window_envelope(w, self.hop, self.frames)[keep]
        return (jnp.asarray(w.reshape(self.pieces, self.size), dtype),
                jnp.asarray(scale.reshape(self.rows, self.slots, self.size), dtype))

    def overlap_add(self, spec, window, scale):
        """Spectra ``[..., frames (+ 1), freq]`` -> the windowed, overlap-added,
        envelope-corrected signal as one ``[..., rows, g]`` array per slot."""
        import jax.numpy as jnp

        out = jnp.fft.irfft(spec, n=self.n_fft, axis=-1)[..., :self.frames, :]
        pieces = out.reshape(out.shape[:-1] + (self.pieces, self.size))
        pad = [(0, 0)] * (pieces.ndim - 3)
        slots = []
        for r in range(self.slots):
            terms = [jnp.pad(pieces[..., k, :] * window[k],
                             pad + [(k // self.slots, self.rows - self.frames - k // self.slots), (0, 0)])
                     for k in range(r, self.pieces, self.slots)]
            slots.append(sum(terms) * scale[:, r, :])
        return slots


@lazy_jit(static_argnames=("n_fft", "hop_length"))
def _frames_start(S, angles, n_fft, hop_length):
    """Magnitudes ``[..., frames, freq]`` and the buffers the iterations update in place: the
    spectra, the rebuilt spectra, the signal ``[..., rows + 1, hop]`` and the frames
    ``[..., frames + 1, n_fft]``, each a row longer than what is written into it (2-D, as
    XLA fuses a reshape after an update into a fusion it may partition)."""
    import jax.numpy as jnp

    S = jnp.swapaxes(S.astype(angles.real.dtype), -1, -2)
    batch, frames = S.shape[:-2], S.shape[-2]
    layout = _Layout(n_fft, hop_length, frames)
    spec = jnp.zeros(batch + (frames + 1, S.shape[-1]), angles.dtype)
    spec = spec.at[..., :frames, :].set(S * jnp.swapaxes(angles, -1, -2))
    return (S, spec, jnp.zeros_like(spec), jnp.zeros(batch + (layout.rows + 1, hop_length), S.dtype),
            jnp.zeros(batch + (frames + 1, n_fft), S.dtype))


@lazy_jit(static_argnames=("n_iter", "n_fft", "hop_length", "win_length", "window", "length"),
          donate_argnums=(1, 2, 3, 4))
def _frames_iterate(S, spec, rebuilt, signal, framed, momentum, n_iter, n_fft, hop_length, win_length, window, length):
    """``n_iter`` unrolled iterations on the buffers of :func:`_frames_start` (donated)."""
    import jax
    import jax.numpy as jnp

    frames = S.shape[-2]
    layout = _Layout(n_fft, hop_length, frames)
    window_pieces, scale = layout.constants(win_length, window, length, S.dtype)
    eps = jnp.finfo(S.dtype).tiny
    origin = (0,) * (S.ndim - 2)
    update_slice = jax.lax.dynamic_update_slice
    g = layout.size
    # the loop carries S * angles rather than the angles, so that the phase update and the
    # product are one fused pass after the FFT
    for _ in range(n_iter):
        previous = rebuilt
        for r, slot in enumerate(layout.overlap_add(spec, window_pieces, scale)):
            signal = update_slice(signal, slot, origin + (0, r * g))
        for k in range(layout.pieces):
            row, slot = divmod(k, layout.slots)
            piece = signal[..., row:row + frames, slot * g:(slot + 1) * g] * window_pieces[k]
            framed = update_slice(framed, piece, origin + (0, k * g))
        rebuilt = jnp.fft.rfft(framed, axis=-1)
        angles = rebuilt[..., :frames, :] - (momentum / (1 + momentum)) * previous[..., :frames, :]
        update = S * angles * jax.lax.rsqrt(angles.real ** 2 + angles.imag ** 2 + eps)
        spec = update_slice(spec, update, origin + (0, 0))
    return spec, rebuilt, signal, framed


@lazy_jit(static_argnames=("frames", "n_fft", "hop_length", "win_length", "window", "length"))
def _frames_finish(spec, frames, n_fft, hop_length, win_length, window, length):
    """The signal ``[..., samples]`` of the last spectra."""
    import jax.numpy as jnp

    layout = _Layout(n_fft, hop_length, frames)
    window_pieces, scale = layout.constants(win_length, window, length, spec.real.dtype)
    out = jnp.stack(layout.overlap_add(spec, window_pieces, scale), axis=-2)
    return out.reshape(out.shape[:-3] + (-1,))[..., layout.output(length)]


def _griffinlim_frames(S, angles, momentum, n_iter, n_fft, hop_length, win_length, window, length):
    """The same iteration as :func:`_griffinlim`, kept frames-major ``[..., frames, freq]`` (no
    transposes in the loop), in unrolled chunks of ``_CHUNK`` iterations (see there)."""
    S, *buffers = _frames_start(S, angles, n_fft, hop_length)
    done = 0
    while done < n_iter:
        chunk = min(_CHUNK, n_iter - done)
        buffers = _frames_iterate(S, *buffers, momentum, chunk, n_fft, hop_length, win_length, window, length)
        done += chunk
    return _frames_finish(buffers[0], S.shape[-2], n_fft, hop_length, win_length, window, length)


def griffinlim(magnitude, *, n_iter: int = 32, hop_length: int | None = None, win_length: int | None = None,
               n_fft: int | None = None, window: str = "hann", center: bool = True,
               length: int | None = None, momentum: float = 0.99, init: str | None = "random",
               seed: int = 0, angles=None):
    """Estimate a signal ``[..., samples]`` whose STFT magnitude is ``magnitude`` ``[..., freq, frames]``.

    Args:
        magnitude: linear STFT magnitudes (not power, not dB).
        n_iter: iterations.
        momentum: the "fast" Griffin-Lim momentum (0 gives the classic algorithm).
        init: ``"random"`` phases (from ``seed``) or ``None`` for zero phase.
        angles: explicit initial unit phasors, shaped like ``magnitude`` (overrides ``init``).
    """
    import jax
    import jax.numpy as jnp

    if n_iter < 1:
        raise ParameterError(f"n_iter must be >= 1, not {n_iter}.")
    if not 0 <= momentum < 1:
        raise ParameterError(f"momentum must be in [0, 1), not {momentum}.")
    S = jnp.asarray(magnitude)
    if not jnp.issubdtype(S.dtype, jnp.floating):
        S = S.astype(jnp.float32)
    n_fft = 2 * (S.shape[-2] - 1) if n_fft is None else int(n_fft)
    hop_length, win_length = _defaults(n_fft, hop_length, win_length)
    complex_dtype = jnp.complex128 if S.dtype == jnp.float64 else jnp.complex64
    if angles is not None:
        angles = jnp.asarray(angles, complex_dtype)
    elif init == "random":
        phase = jax.random.uniform(jax.random.PRNGKey(seed), S.shape, S.dtype)
        angles = jnp.exp(2j * jnp.pi * phase).astype(complex_dtype)
    elif init is None:
        angles = jnp.ones(S.shape, complex_dtype)
    else:
        raise ParameterError(f"init must be 'random' or None, not {init!r}.")
    if _frames_major_applies(n_fft, hop_length, S.shape[-1], center, length):
        return _griffinlim_frames(S, angles, jnp.asarray(momentum, S.dtype), int(n_iter), n_fft, hop_length,
                                  win_length, window, length)
    return _griffinlim(S, angles, jnp.asarray(momentum, S.dtype), int(n_iter), n_fft, hop_length,
                       win_length, window, center, length)


def spectral_convergence(magnitude, signal, *, n_fft: int | None = None, hop_length: int | None = None,
                         win_length: int | None = None, window: str = "hann", center: bool = True) -> float:
    """``||S - |STFT(signal)| ||_F / ||S||_F``: 0 is a perfect reconstruction."""
    import jax.numpy as jnp

    S = jnp.asarray(magnitude)
    n_fft = 2 * (S.shape[-2] - 1) if n_fft is None else int(n_fft)
    hop_length, win_length = _defaults(n_fft, hop_length, win_length)
    rebuilt = jnp.abs(_stft(jnp.asarray(signal, S.dtype), n_fft, hop_length, win_length, window, center,
                            "constant"))
    frames = min(rebuilt.shape[-1], S.shape[-1])
    diff = S[..., :frames] - rebuilt[..., :frames]
    return float(jnp.linalg.norm(diff.ravel()) / jnp.linalg.norm(S[..., :frames].ravel()))
