"""Fundamental frequency in JAX: YIN (de Cheveigné & Kawahara, 2002) and probabilistic YIN
(Mauch & Dixon, 2014; :func:`pyin`, librosa's algorithm with a banded Viterbi).

Frames are centred (zero padded) and cut by :func:`sonitus.dsp.spectral.frame`;
the difference function comes from FFT autocorrelations, so a frame costs O(n log n).
"""

from __future__ import annotations

import numpy as np
from sonitus.errors import ParameterError
from sonitus.jit import lazy_jit

from .spectral import frame

__all__ = ["yin", "pyin", "note_f0"]


@lazy_jit(static_argnames=("frame_length", "hop_length", "min_period", "max_period"))
def _yin(x, threshold, frame_length, hop_length, min_period, max_period):
    import jax.numpy as jnp

    half = frame_length // 2
    frames = frame(jnp.pad(x, [(0, 0)] * (x.ndim - 1) + [(half, half)]), frame_length, hop_length)  # [..., T, N]
    w = half                                                                     # integration window
    n = 1 << int(np.ceil(np.log2(2 * frame_length)))
    spec = jnp.fft.rfft(frames, n)
    head = jnp.fft.rfft(frames[..., :w], n)
    # sum_j x[j] x[j + tau] over the window, for every lag tau
    cross = jnp.fft.irfft(jnp.conj(head) * spec, n)[..., :max_period + 1]
    energy = jnp.cumsum(jnp.pad(frames ** 2, [(0, 0)] * (frames.ndim - 1) + [(1, 0)]), axis=-1)
    lags = jnp.arange(max_period + 1)
    shifted = energy[..., lags + w] - energy[..., lags]                          # sum of x[j+tau]^2
    diff = energy[..., w:w + 1] + shifted - 2 * cross                            # d(tau)
    cumulative = jnp.cumsum(diff[..., 1:], axis=-1) / jnp.arange(1, max_period + 1)
    normalised = jnp.where(cumulative > 1e-10, diff[..., 1:] / jnp.maximum(cumulative, 1e-10), 1.0)  # silence: 1
    cmnd = jnp.concatenate([jnp.ones_like(diff[..., :1]), normalised], axis=-1)  # d'(tau)
    band = cmnd[..., min_period:max_period + 1]
    # the first local minimum under the threshold, else the global minimum
    is_min = jnp.concatenate([band[..., :-1] < band[..., 1:], jnp.ones_like(band[..., :1], bool)], axis=-1)
    below = (band < threshold) & is_min
    first = jnp.argmax(below, axis=-1)
    best = jnp.where(jnp.any(below, axis=-1), first, jnp.argmin(band, axis=-1))
    # parabolic interpolation around the chosen lag
    i = jnp.clip(best, 1, band.shape[-1] - 2)
    a, b, c = (jnp.take_along_axis(band, (i + k)[..., None], axis=-1)[..., 0] for k in (-1, 0, 1))
    shift = jnp.where(jnp.abs(a - 2 * b + c) > 1e-12, 0.5 * (a - c) / (a - 2 * b + c), 0.0)
    period = min_period + i + jnp.clip(shift, -1, 1)
    return period, jnp.take_along_axis(band, best[..., None], axis=-1)[..., 0]


def yin(x, *, sample_rate: int, fmin: float = 50.0, fmax: float = 2000.0, frame_length: int = 2048,
        hop_length: int | None = None, threshold: float = 0.1, return_aperiodicity: bool = False):
    """Fundamental frequency (Hz) of each frame of ``x`` ``[..., samples]`` -> ``[..., frames]``.

    Like ``librosa.yin``: every frame gets an estimate (silence included); with
    ``return_aperiodicity=True`` also the YIN dip ``[..., frames]`` (near 0: clearly periodic,
    near 1: noise), which tells voiced frames from the rest.
    """
    import jax.numpy as jnp

    hop = frame_length // 4 if hop_length is None else int(hop_length)
    if not 0 < fmin < fmax <= sample_rate / 2:
        raise ParameterError(f"yin: need 0 < fmin < fmax <= sample_rate / 2; got fmin={fmin}, fmax={fmax}.")
    min_period = max(2, int(np.floor(sample_rate / fmax)))
    max_period = int(np.ceil(sample_rate / fmin))
    # as librosa: the difference function sums over half a frame, so the longest lag must fit beside it
    if max_period > frame_length - frame_length // 2 - 1 or min_period + 3 > max_period:
        raise ParameterError(f"yin: frame_length {frame_length} is too short for fmin {fmin} Hz at "
                             f"{sample_rate} Hz; use at least {2 * max_period + 2}.")
    period, dip = _yin(jnp.asarray(x, jnp.float32), float(threshold), int(frame_length), hop, min_period,
                       max_period)
    f0 = sample_rate / period
    return (f0, dip) if return_aperiodicity else f0


def note_f0(x, *, sample_rate: int, fmin: float = 50.0, fmax: float = 2000.0, start: float = 0.05,
            end: float = 0.6) -> float:
    """One pitch (Hz) for a single note ``[samples]``: the median YIN estimate over the clearly
    periodic frames between ``start`` and ``end`` seconds (NaN when none is periodic)."""
    frame_length = 1 << int(np.ceil(np.log2(2 * sample_rate / fmin + 2)))
    hop = frame_length // 8
    f0, dip = yin(x, sample_rate=sample_rate, fmin=fmin, fmax=fmax, frame_length=frame_length,
                  hop_length=hop, return_aperiodicity=True)
    f0, dip = np.asarray(f0), np.asarray(dip)
    t = np.arange(len(f0)) * hop / sample_rate
    keep = (t >= start) & (t <= end) & (dip < 0.3)
    return float(np.median(f0[keep])) if keep.any() else float("nan")


def _beta_threshold_probs(n_thresholds: int, a: float, b: float) -> np.ndarray:
    """The probability of each of ``n_thresholds`` equal threshold intervals on [0, 1] under Beta(a, b)."""
    from scipy.stats import beta

    return np.diff(beta.cdf(np.linspace(0, 1, n_thresholds + 1), a, b))


def _local_transition(n_bins: int, width: int) -> np.ndarray:
    """``log`` weights ``[width]`` of a triangular move of -width//2..width//2 pitch bins and the
    ``log`` normaliser of each source bin's row ``[n_bins]`` (rows are cut at the edges, as librosa's
    ``transition_local(..., window='triangle', wrap=False)``)."""
    half = width // 2
    offsets = np.arange(-half, half + 1)
    weights = 1.0 - np.abs(offsets) / (half + 1)
    source = np.arange(n_bins)[:, None] + offsets[None, :]
    rows = np.where((source >= 0) & (source < n_bins), weights[None, :], 0.0).sum(axis=1)
    return np.log(weights), np.log(rows)


@lazy_jit(static_argnames=("frame_length", "hop_length", "min_period", "max_period", "n_bins", "bins_per_semitone",
                           "width"))
def _pyin(x, beta_probs, log_move, log_rows, fmin, sample_rate, boltzmann, no_trough_prob, switch_prob,
          frame_length, hop_length, min_period, max_period, n_bins, bins_per_semitone, width):
    import jax
    import jax.numpy as jnp

    half = frame_length // 2
    frames = frame(jnp.pad(x, [(0, 0)] * (x.ndim - 1) + [(half, half)]), frame_length, hop_length)  # [..., T, N]
    n = 1 << int(np.ceil(np.log2(2 * frame_length)))
    power = jnp.abs(jnp.fft.rfft(frames, n)) ** 2
    acf = jnp.fft.irfft(power, n)[..., :max_period + 1]
    energy = jnp.cumsum(frames ** 2, axis=-1)[..., :max_period]                  # sum_{j<tau} x_j^2, tau = 1..
    diff = 2 * (acf[..., :1] - acf[..., 1:]) - energy                            # d(tau), tau = 1..max_period
    mean = jnp.cumsum(diff, axis=-1) / jnp.arange(1, max_period + 1)
    yin = diff[..., min_period - 1:] / (mean[..., min_period - 1:] + 1e-30)     # [..., T, K]
    # parabolic shift of each lag (0 at the edges and where the optimum leaves the next bins)
    a = yin[..., 2:] + yin[..., :-2] - 2 * yin[..., 1:-1]
    b = (yin[..., 2:] - yin[..., :-2]) / 2
    inner = jnp.where(jnp.abs(b) >= jnp.abs(a), 0.0, -b / jnp.where(a == 0, 1.0, a))
    shifts = jnp.pad(inner, [(0, 0)] * (inner.ndim - 1) + [(1, 1)])
    # troughs: local minima (the first lag: below the second; the last: below the one before)
    left = jnp.concatenate([jnp.full_like(yin[..., :1], jnp.inf), yin[..., :-1]], axis=-1)
    right = jnp.concatenate([yin[..., 1:], jnp.full_like(yin[..., :1], -jnp.inf)], axis=-1)
    trough = (yin < left) & (yin <= right)
    trough = trough.at[..., 0].set(yin[..., 0] < yin[..., 1])
    trough = trough.at[..., -1].set(yin[..., -1] < yin[..., -2])
    # each threshold picks the first troughs under it, with a Boltzmann prior on their order
    thresholds = jnp.linspace(0.0, 1.0, beta_probs.shape[0] + 1)[1:]

    def add_threshold(i, probs):  # one threshold at a time: [..., T, K] in memory, not [..., T, K, thr]
        under = trough & (yin < thresholds[i])
        position = jnp.cumsum(under, axis=-1) - 1
        count = jnp.sum(under, axis=-1, keepdims=True)
        prior = (1 - jnp.exp(-boltzmann)) * jnp.exp(-boltzmann * position) / (1 - jnp.exp(-boltzmann * count))
        return probs + jnp.where(under, prior, 0.0) * beta_probs[i]

    probs = jax.lax.fori_loop(0, beta_probs.shape[0], add_threshold, jnp.zeros_like(yin))
    # the thresholds under every trough go to the deepest one, times no_trough_prob
    deepest = jnp.argmin(jnp.where(trough, yin, jnp.inf), axis=-1)
    depth = jnp.take_along_axis(yin, deepest[..., None], axis=-1)
    missed = jnp.sum(jnp.where(thresholds <= depth, beta_probs, 0.0), axis=-1)
    any_trough = jnp.any(trough, axis=-1)
    probs = probs + jax.nn.one_hot(deepest, yin.shape[-1]) * (no_trough_prob * missed * any_trough)[..., None]
    # observations: each candidate period's probability in the bin of its frequency
    period = min_period + jnp.arange(yin.shape[-1]) + shifts
    bins = jnp.clip(jnp.round(12 * bins_per_semitone * jnp.log2(sample_rate / period / fmin)), 0, n_bins)
    frame_of = jnp.broadcast_to(jnp.arange(probs.size // probs.shape[-1]).reshape(probs.shape[:-1] + (1,)),
                                probs.shape)
    voiced_obs = jax.ops.segment_sum(probs.ravel(), (frame_of * (n_bins + 1) + bins.astype(jnp.int32)).ravel(),
                                     num_segments=probs.size // probs.shape[-1] * (n_bins + 1))
    voiced_obs = voiced_obs.reshape(probs.shape[:-1] + (n_bins + 1,))[..., :n_bins]
    voiced_prob = jnp.clip(jnp.sum(voiced_obs, axis=-1), 0.0, 1.0)
    unvoiced_obs = jnp.broadcast_to(((1 - voiced_prob) / n_bins)[..., None], voiced_obs.shape)
    tiny = np.finfo(np.float32).tiny
    log_obs = jnp.log(jnp.concatenate([voiced_obs, unvoiced_obs], axis=-1) + tiny)  # [..., T, 2 * bins]

    # Viterbi over (voiced, unvoiced) x pitch bins; moves within width//2 bins, triangular
    half_width = width // 2
    stay, switch = jnp.log(1 - switch_prob), jnp.log(switch_prob)

    def local_max(score):  # score [..., bins] -> the best predecessor's score, per target bin
        padded = jnp.pad(score - log_rows, [(0, 0)] * (score.ndim - 1) + [(half_width, half_width)],
                         constant_values=-jnp.inf)
        # candidates[k, j] = padded[j + k]: source bin j + k - half, moved by half - k
        best = padded[..., :n_bins] + log_move[0]
        for k in range(1, width):
            best = jnp.maximum(best, padded[..., k:k + n_bins] + log_move[k])
        return best

    def step(score, obs):
        from_v, from_u = local_max(score[..., :n_bins]), local_max(score[..., n_bins:])
        new = jnp.concatenate([jnp.maximum(from_v + stay, from_u + switch),
                               jnp.maximum(from_v + switch, from_u + stay)], axis=-1) + obs
        return new, score

    start = log_obs[..., 0, :] + jnp.log(1.0 / (2 * n_bins))
    last, scores = jax.lax.scan(step, start, jnp.moveaxis(log_obs[..., 1:, :], -2, 0))   # scores[t]: frame t
    # back from the best last state: each step needs the best predecessor of one state only
    moves = jnp.arange(-half_width, half_width + 1)
    weights = jnp.concatenate([log_move + stay, log_move + switch])              # from the same / other kind

    def trace(state, score):
        voiced_to = state < n_bins
        target = state % n_bins
        source = target[..., None] + moves                                       # source bins of this target
        valid = (source >= 0) & (source < n_bins)
        source = jnp.clip(source, 0, n_bins - 1)
        same = jnp.where(voiced_to[..., None], source, source + n_bins)
        other = jnp.where(voiced_to[..., None], source + n_bins, source)
        cand = jnp.concatenate([same, other], axis=-1)
        value = jnp.take_along_axis(score - jnp.tile(log_rows, 2), cand, axis=-1) + weights
        value = jnp.where(jnp.concatenate([valid, valid], axis=-1), value, -jnp.inf)
        prev = jnp.take_along_axis(cand, jnp.argmax(value, axis=-1)[..., None], axis=-1)[..., 0]
        return prev, state

    first, path = jax.lax.scan(trace, jnp.argmax(last, axis=-1), scores, reverse=True)
    states = jnp.concatenate([first[None], path], axis=0)                          # [T, ...]
    states = jnp.moveaxis(states, 0, -1)
    return states, voiced_prob


def pyin(x, *, sample_rate: int, fmin: float = 65.4, fmax: float = 2093.0, frame_length: int = 2048,
         hop_length: int | None = None, n_thresholds: int = 100, beta_parameters: tuple[float, float] = (2.0, 18.0),
         boltzmann_parameter: float = 2.0, resolution: float = 0.1, max_transition_rate: float = 35.92,
         switch_prob: float = 0.01, no_trough_prob: float = 0.01):
    """Probabilistic YIN (Mauch & Dixon, 2014), as ``librosa.pyin``, jitted and batched.

    ``x`` ``[..., samples]`` -> ``(f0, voiced, voiced_prob)``, each ``[..., frames]``: f0 in Hz
    (NaN where unvoiced), whether the frame is voiced, and the probability that it is. Frames
    are centred (zero padded), ``hop_length`` defaults to ``frame_length // 4``. YIN troughs
    under thresholds drawn from Beta(2, 18) give pitch candidates; a Viterbi path through
    (voiced, unvoiced) x pitch bins of ``resolution`` semitones, moving at most
    ``max_transition_rate`` semitones a second, picks one per frame.
    """
    import jax.numpy as jnp

    hop = frame_length // 4 if hop_length is None else int(hop_length)
    if not 0 < fmin < fmax <= sample_rate / 2:
        raise ParameterError(f"pyin: need 0 < fmin < fmax <= sample_rate / 2; got fmin={fmin}, fmax={fmax}.")
    min_period = int(np.floor(sample_rate / fmax))
    max_period = min(int(np.ceil(sample_rate / fmin)), frame_length - 1)
    if sample_rate / fmin >= frame_length - 1 or min_period < 1 or min_period + 2 > max_period:
        raise ParameterError(f"pyin: frame_length {frame_length} is too short for fmin {fmin} Hz at "
                             f"{sample_rate} Hz; use at least {int(np.ceil(2 * sample_rate / fmin)) + 2}.")
    per_semitone = int(np.ceil(1.0 / resolution))
    n_bins = int(np.floor(12 * per_semitone * np.log2(fmax / fmin))) + 1
    width = round(max_transition_rate * 12 * hop / sample_rate) * per_semitone + 1
    log_move, log_rows = _local_transition(n_bins, width)
    states, voiced_prob = _pyin(
        jnp.asarray(x, jnp.float32), jnp.asarray(_beta_threshold_probs(n_thresholds, *beta_parameters), jnp.float32),
        jnp.asarray(log_move, jnp.float32), jnp.asarray(log_rows, jnp.float32), float(fmin), float(sample_rate),
        float(boltzmann_parameter), float(no_trough_prob), float(switch_prob), int(frame_length), hop, min_period,
        max_period, n_bins, per_semitone, int(width))
    states = np.asarray(states)
    voiced = states < n_bins
    f0 = fmin * 2.0 ** ((states % n_bins) / (12 * per_semitone))
    return np.where(voiced, f0, np.nan), voiced, np.asarray(voiced_prob)
