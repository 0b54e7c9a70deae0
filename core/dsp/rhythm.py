"""Onsets, tempo and beats, after librosa's (Böck & Widmer's spectral flux; Ellis 2007's beat tracker).

- :func:`onset_strength`: the mean positive rise of the log-mel spectrogram from frame to frame.
- :func:`onset_detect`: peaks of that envelope (local maxima above a moving average + delta).
- :func:`tempo`: the global tempo (bpm) from the autocorrelation of the envelope, weighted by
  a log-normal prior around ``start_bpm``.
- :func:`beat_track`: beats by dynamic programming: onsets that fall where a steady pulse at
  that tempo puts them.

Frames are centred and ``hop_length`` samples apart (default 512, as librosa); the dynamic
programme runs as one jitted ``lax.scan``.
"""

from __future__ import annotations

import numpy as np
from sonitus.errors import ParameterError
from sonitus.jit import lazy_jit

from .features import melspectrogram, power_to_db

__all__ = ["onset_strength", "onset_strengths", "onset_detect", "tempo", "beat_track", "frames_to_time", "tempo_from_beats"]


def frames_to_time(frames, *, sample_rate: int, hop_length: int = 512) -> np.ndarray:
    """Frame indices -> seconds."""
    return np.asarray(frames) * hop_length / float(sample_rate)


def tempo_from_beats(beats, *, sample_rate: int, hop_length: int = 512, estimate: float | None = None,
                     min_beats: int = 8, agree: float = 0.03) -> float | None:
    """The tempo (bpm) of the line fitted through the tracked beat frames, or None when there are
    fewer than ``min_beats`` or (given the autocorrelation ``estimate``) the fit is more than
    ``agree`` away from it. The autocorrelation tempo is a whole number of frames a beat (at hop
    512 and 22.05 kHz, 143.6 or 152.0 bpm, nothing between, so up to 3 % off); the beats' mean
    spacing is not. Irregular beats that pull the line further than that are not trusted."""
    beats = np.asarray(beats, np.float64)
    if beats.size < min_beats:
        return None
    slope = np.polyfit(np.arange(beats.size), beats, 1)[0]
    if slope <= 0:
        return None
    bpm = 60.0 * sample_rate / (hop_length * slope)
    if estimate is not None and abs(bpm / estimate - 1) > agree:
        return None
    return float(bpm)


#: frames computed at a time for a long recording (about 95 s at 22.05 kHz): the mel spectrogram of
#: onset_strength and the windowed autocorrelations of tempo are never whole in memory
BLOCK_FRAMES = 4096


def _mel_db(x, *, sample_rate: int, n_fft: int, hop_length: int, n_mels: int) -> np.ndarray:
    """librosa's dB mel spectrogram ``[..., mels, frames]`` (centred frames, zero padding, 80 dB
    below the peak); a long 1-D recording goes through :data:`BLOCK_FRAMES` frames at a time,
    so that its STFT is never whole in memory (an hour at 44.1 kHz held 12 GB)."""
    spec = dict(sample_rate=sample_rate, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels)
    x = np.asarray(x, np.float32)
    frames = 1 + x.shape[-1] // hop_length
    if x.ndim != 1 or frames <= 2 * BLOCK_FRAMES:
        return np.asarray(power_to_db(melspectrogram(x, **spec)))
    padded = np.pad(x, n_fft // 2)
    blocks = []
    for first in range(0, frames, BLOCK_FRAMES):
        last = min(frames, first + BLOCK_FRAMES)
        samples = padded[first * hop_length:(last - 1) * hop_length + n_fft]
        blocks.append(np.asarray(melspectrogram(samples, center=False, **spec)))
    return np.asarray(power_to_db(np.concatenate(blocks, axis=-1)))


def _rise(S: np.ndarray, *, lag: int, n_fft: int, hop_length: int, aggregate: str) -> np.ndarray:
    rise = np.maximum(0.0, S[..., lag:] - S[..., :-lag])
    env = np.mean(rise, axis=-2) if aggregate == "mean" else np.median(rise, axis=-2)
    pad = lag + n_fft // (2 * hop_length)
    env = np.pad(env, [(0, 0)] * (env.ndim - 1) + [(pad, 0)])
    return env[..., :S.shape[-1]].astype(np.float32)


def onset_strength(x, *, sample_rate: int, n_fft: int = 2048, hop_length: int = 512, n_mels: int = 128,
                   lag: int = 1, aggregate: str = "mean") -> np.ndarray:
    """Onset strength ``[..., frames]`` of ``x`` ``[..., samples]``: the positive rise of the
    dB mel spectrogram over ``lag`` frames, averaged (``aggregate='median'`` as beat_track uses)
    over the mel bands, shifted so that each value sits at the frame of the rise."""
    return onset_strengths(x, sample_rate=sample_rate, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels,
                           lag=lag, aggregates=(aggregate,))[0]


def onset_strengths(x, *, sample_rate: int, n_fft: int = 2048, hop_length: int = 512, n_mels: int = 128,
                    lag: int = 1, aggregates: tuple[str, ...] = ("mean", "median")) -> tuple[np.ndarray, ...]:
    """:func:`onset_strength` with each of ``aggregates`` from one mel spectrogram: onsets read the
    mean, beats the median."""
    for aggregate in aggregates:
        if aggregate not in ("mean", "median"):
            raise ParameterError(f"onset_strength: aggregate must be 'mean' or 'median', not {aggregate!r}.")
    S = _mel_db(x, sample_rate=sample_rate, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels)
    return tuple(_rise(S, lag=lag, n_fft=n_fft, hop_length=hop_length, aggregate=a) for a in aggregates)


def _moving(x: np.ndarray, before: int, after: int, how: str) -> np.ndarray:
    """Max or mean of ``x[n - before : n + after]`` (cut at the edges) for every ``n``."""
    from numpy.lib.stride_tricks import sliding_window_view

    fill = -np.inf if how == "max" else np.nan
    padded = np.concatenate([np.full(before, fill), x, np.full(after, fill)])
    windows = sliding_window_view(padded, before + after)[:len(x)]
    return windows.max(axis=1) if how == "max" else np.nanmean(windows, axis=1)


def onset_detect(envelope: np.ndarray, *, sample_rate: int, hop_length: int = 512, delta: float = 0.07,
                 wait_s: float = 0.03, pre_max_s: float = 0.03, post_max_s: float = 0.0, pre_avg_s: float = 0.10,
                 post_avg_s: float = 0.10) -> np.ndarray:
    """Onset frames: peaks of ``envelope`` ``[frames]`` (scaled to 0..1) that are the largest
    value within ``pre_max_s`` before / ``post_max_s`` after, exceed the mean within ``pre_avg_s``
    / ``post_avg_s`` by ``delta``, and come at least ``wait_s`` after the previous onset."""
    env = np.asarray(envelope, np.float64)
    if env.ndim != 1:
        raise ParameterError(f"onset_detect takes one envelope [frames], not shape {env.shape}.")
    if env.size == 0 or not np.any(env > env.min()):
        return np.zeros(0, int)
    env = (env - env.min()) / (env.max() - env.min())
    rate = sample_rate / hop_length

    def frames(seconds: float, extra: int = 0) -> int:
        return int(seconds * rate) + extra

    peaks = (env == _moving(env, frames(pre_max_s), frames(post_max_s, 1), "max")) & \
            (env >= _moving(env, frames(pre_avg_s), frames(post_avg_s, 1), "mean") + delta)
    out, last = [], -np.inf
    for n in np.flatnonzero(peaks):
        if n > last + frames(wait_s):
            out.append(n)
            last = n
    return np.array(out, int)


def tempo(envelope: np.ndarray, *, sample_rate: int, hop_length: int = 512, start_bpm: float = 120.0,
          std_bpm: float = 1.0, ac_size: float = 8.0, max_tempo: float = 320.0) -> float:
    """The global tempo (beats a minute) of an onset envelope ``[frames]``: the lag that best
    explains the envelope's windowed autocorrelation (mean over ``ac_size``-second windows),
    weighted by a log-normal prior (``std_bpm`` octaves) around ``start_bpm``."""
    env = np.asarray(envelope, np.float64)
    if env.ndim != 1 or env.size < 2:
        raise ParameterError("tempo needs an onset envelope of at least two frames.")
    win = max(2, int(ac_size * sample_rate / hop_length))
    padded = np.pad(env, (win // 2, win // 2), mode="linear_ramp", end_values=(0, 0))
    from numpy.lib.stride_tricks import sliding_window_view

    windows = sliding_window_view(padded, win)[:len(env)]
    taper = np.hanning(win + 1)[:-1]
    n = 1 << int(np.ceil(np.log2(2 * win - 1)))
    total = np.zeros(win)
    for first in range(0, len(windows), BLOCK_FRAMES):  # an hour's windows at once would be 15 GB
        ac = np.fft.irfft(np.abs(np.fft.rfft(windows[first:first + BLOCK_FRAMES] * taper, n, axis=-1)) ** 2, n,
                          axis=-1)[:, :win]
        peak = np.max(np.abs(ac), axis=-1, keepdims=True)
        total += np.where(peak > 0, ac / np.where(peak > 0, peak, 1), 0.0).sum(axis=0)
    strength = total / len(windows)
    with np.errstate(divide="ignore"):
        bpms = 60.0 * sample_rate / (hop_length * np.arange(win))
    prior = -0.5 * ((np.log2(bpms) - np.log2(start_bpm)) / std_bpm) ** 2
    prior[:int(np.argmax(bpms < max_tempo))] = -np.inf
    return float(bpms[int(np.argmax(np.log1p(1e6 * strength) + prior))])


@lazy_jit(static_argnames=("longest",))
def _beat_dp(local, period, tightness, longest):
    import jax
    import jax.numpy as jnp

    threshold = 0.01 * jnp.max(local)
    gaps = jnp.arange(1, longest + 1)                                # candidate distance back to the last beat
    usable = (gaps >= jnp.round(period / 2)) & (gaps <= 2 * period)
    penalty = -tightness * (jnp.log(gaps) - jnp.log(period)) ** 2

    def step(carry, item):
        history, started = carry                                    # history[g - 1]: cumscore g frames back
        i, score_i = item
        exists = usable & (gaps <= i)
        value = jnp.where(exists, history + penalty, -jnp.inf)
        g = jnp.argmax(value)                                       # the nearest of equal bests, as librosa
        found = jnp.any(exists)
        cum = score_i + jnp.where(found, value[g], 0.0)
        started = started | (score_i >= threshold)
        link = jnp.where(started & found, i - gaps[g], -1)
        return (jnp.concatenate([cum[None], history[:-1]]), started), (cum, link)

    init = (jnp.full(longest, -jnp.inf), jnp.array(False))
    _, (cumscore, links) = jax.lax.scan(step, init, (jnp.arange(local.shape[0]), local))
    return cumscore, links


#: the trim's cap on a beat's weight, in medians of the sounding beats (see beat_track; inf: librosa's)
TRIM_CAP = 3.0


def beat_track(envelope: np.ndarray, *, sample_rate: int, hop_length: int = 512, bpm: float | None = None,
               start_bpm: float = 120.0, tightness: float = 100.0, trim: bool = True) -> tuple[float, np.ndarray]:
    """``(tempo in bpm, beat frames)`` of an onset envelope ``[frames]`` (librosa's beat_track
    uses the median-aggregated :func:`onset_strength`): Ellis's dynamic programme, beats where
    onsets are strong and the gaps close to the tempo's period, weak leading/trailing beats trimmed
    (as librosa, but with one very loud onset kept from trimming the rest: :data:`TRIM_CAP`)."""
    env = np.asarray(envelope, np.float64)
    if env.ndim != 1:
        raise ParameterError(f"beat_track takes one envelope [frames], not shape {env.shape}.")
    if env.size < 2 or not np.any(env):
        return (0.0 if bpm is None else float(bpm)), np.zeros(0, int)
    bpm = tempo(env, sample_rate=sample_rate, hop_length=hop_length, start_bpm=start_bpm) if bpm is None else bpm
    if not bpm > 0:
        raise ParameterError(f"beat_track: bpm must be positive, not {bpm}.")
    period = float(np.round(sample_rate / hop_length * 60.0 / bpm))
    normalised = env / (env.std(ddof=1) + np.finfo(float).tiny)
    offsets = np.arange(-period, period + 1)
    window = np.exp(-0.5 * (offsets * 32.0 / period) ** 2)
    local = np.convolve(normalised, window, mode="same")
    longest = int(2 * period) + 1
    cumscore, links = (np.asarray(a) for a in _beat_dp(local.astype(np.float32), float(period),
                                                        float(tightness), longest))
    # the last beat: the last local maximum of the cumulative score above half their median
    is_max = np.r_[cumscore[0] > cumscore[1] if len(cumscore) > 1 else True,
                   (cumscore[1:-1] > cumscore[:-2]) & (cumscore[1:-1] >= cumscore[2:]),
                   cumscore[-1] > cumscore[-2] if len(cumscore) > 1 else False]
    maxima = cumscore[is_max]
    tail = len(cumscore) - 1
    if maxima.size:
        above = np.flatnonzero(is_max & (cumscore >= 0.5 * np.median(maxima)))
        tail = int(above[-1]) if above.size else tail
    beats = [tail]
    while links[beats[-1]] >= 0:
        beats.append(int(links[beats[-1]]))
    beats = np.array(beats[::-1], int)
    if trim and beats.size:
        smooth = np.convolve(local[beats], np.hanning(5), mode="same")
        # librosa's threshold (half the RMS) with each beat's weight capped at 3x the median of the
        # sounding ones: one loud onset (everything starting at once) otherwise lifts it above every
        # other beat, and the piece after it is trimmed away as if it were trailing silence
        sounding = smooth[smooth > 0.01 * smooth.max()]
        if sounding.size:
            smooth = np.minimum(smooth, TRIM_CAP * np.median(sounding))
        threshold = 0.5 * np.sqrt(np.mean(smooth ** 2))
        strong = np.flatnonzero(local > threshold)
        if strong.size:
            beats = beats[(beats >= strong[0]) & (beats <= strong[-1])]
    return float(bpm), beats
