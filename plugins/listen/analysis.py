"""What a recording holds, musically: tempo, beats, onsets, key and chords (``sonitus analyze``),
and its melody as notes (the ``melody`` stage, ``sonitus to-midi``).

Everything runs on the mono mix (:func:`prepared`: at the audio's own rate up to 48 kHz) with
librosa's frames (2048 / hop 512; longer pitch frames where ``fmin`` needs them);
the kernels are :mod:`sonitus.dsp.rhythm`, :mod:`sonitus.dsp.pitch` and :mod:`sonitus.dsp.tonal`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sonitus import Audio
from sonitus.errors import AudioError

__all__ = ["analyze", "chord_starts", "transcribe_melody", "prepared", "Rhythm", "rhythm_of", "HOP", "MAX_RATE", "MIN_RATE", "MAX_SECONDS"]

HOP = 512
#: audio above this rate is resampled to it first: higher rates add nothing a listener hears, and
#: 2048-sample frames at 96 kHz are too short for low notes (8 rendered pieces heard at 96 kHz:
#: key score 0.75, note F1 0.82; resampled to 48 kHz: 1.0 and 0.91)
MAX_RATE = 48000
#: the lowest rate analysed (telephone audio)
MIN_RATE = 8000
#: the longest recording analysed in one go (an hour); longer ones get an error that says to cut them
MAX_SECONDS = 3600.0


@dataclass
class Rhythm:
    """Onset envelope, onsets (frames), tempo (bpm) and beats (frames) of a recording."""

    envelope: np.ndarray
    onsets: np.ndarray
    bpm: float
    beats: np.ndarray
    frame_rate: float


def prepared(audio: Audio) -> Audio:
    """The mono mix that analysis hears: at the audio's own rate up to :data:`MAX_RATE`,
    resampled to it above; refused with a sentence where there is too little (or too much) to hear."""
    if audio.duration > MAX_SECONDS:
        raise AudioError(f"The recording is {audio.duration / 3600:.1f} h long; analysis takes up to "
                         f"{MAX_SECONDS / 3600:.0f} h at a time: cut it into parts (e.g. with sox's trim).")
    if audio.sample_rate < MIN_RATE:
        raise AudioError(f"The recording's sample rate is {audio.sample_rate} Hz; hearing pitch and rhythm needs "
                         f"at least {MIN_RATE} Hz (telephone audio). Record or export it at a higher rate.")
    mono = audio.to_mono()
    if mono.sample_rate > MAX_RATE:
        mono = mono.resample(MAX_RATE)
    if len(mono.mono) < 2048:
        raise AudioError(f"The recording is {audio.duration * 1000:.0f} ms long; at least "
                         f"{2048 / mono.sample_rate * 1000:.0f} ms are needed to hear pitch or rhythm.")
    return mono


def _tonal_frames(sample_rate: int) -> dict:
    """The STFT frames of the key and the chords, scaled with the rate from 8192 / 2048 at 22.05 kHz
    (a power of two), so that their bins are as fine at 44.1 kHz as there: 2.7 Hz, where two
    semitones at C2 are 3.9 Hz apart. (The chords' frames keep the beat-tracking hop, 512.)"""
    scale = 2.0 ** round(np.log2(sample_rate / 22050))
    return {"n_fft": int(8192 * scale), "hop_length": int(2048 * scale)}


def rhythm_of(audio: Audio) -> Rhythm:
    """Onsets (mean-aggregated flux), tempo and beats (median-aggregated flux, as librosa's beat_track);
    the tempo is refined by the line through the beats where they agree with it."""
    from sonitus.dsp.rhythm import beat_track, onset_detect, onset_strengths, tempo_from_beats

    audio = prepared(audio)
    x, sr = audio.mono.astype(np.float32), audio.sample_rate
    envelope, beat_envelope = onset_strengths(x, sample_rate=sr, hop_length=HOP, aggregates=("mean", "median"))
    onsets = onset_detect(envelope, sample_rate=sr, hop_length=HOP)
    bpm, beats = beat_track(beat_envelope, sample_rate=sr, hop_length=HOP)
    fitted = tempo_from_beats(beats, sample_rate=sr, hop_length=HOP, estimate=bpm) if bpm > 0 else None
    return Rhythm(envelope, onsets, fitted or bpm, beats, sr / HOP)


def chord_starts(beats: np.ndarray, frames: int, frame_rate: float) -> np.ndarray:
    """Frames where a chord label starts: every beat, and about a beat apart (the median beat, or
    0.5 s; kept to 0.25-1 s) through any stretch without beats longer than one and a half of those:
    a long lead-in, the end after the last beat, or a passage the beat tracker lost, which would
    otherwise get one label."""
    beats = np.unique(np.asarray(beats, int))
    beats = beats[(beats >= 0) & (beats < frames)]
    step = float(np.median(np.diff(beats))) if len(beats) > 1 else 0.5 * frame_rate
    step = float(np.clip(step, 0.25 * frame_rate, frame_rate))
    edges = np.r_[0, beats, frames]
    starts = [beats]
    for a, b in zip(edges[:-1], edges[1:]):
        if b - a > 1.5 * step:
            parts = int(round((b - a) / step))
            starts.append(a + np.round(np.arange(parts) * (b - a) / parts).astype(int))
    starts = np.unique(np.concatenate(starts)).astype(int)
    return starts if len(starts) else np.array([0])


def analyze(audio: Audio, *, chords: bool = True) -> dict:
    """Tempo (bpm), beats and onsets (s), key ("Bb major") and, per beat, a chord label (also through
    passages without beats: see :func:`chord_starts`)."""
    from sonitus.dsp.tonal import (
        bass_chroma,
        chord_chroma,
        chord_labels,
        chord_levels,
        estimate_key,
        key_name,
        pitch_class_profile,
        segment_means,
        semitone_power,
    )

    audio = prepared(audio)
    rhythm = rhythm_of(audio)
    x = audio.mono.astype(np.float32)
    tonal = _tonal_frames(audio.sample_rate)
    frames = np.lib.stride_tricks.sliding_window_view(np.pad(x, 1024), 2048)[::HOP]
    rms = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1))
    loud = rms > 0.1 * rms.max() if rms.max() > 0 else np.zeros(len(rms), bool)
    silent = not loud.any()
    profile = pitch_class_profile(x, sample_rate=audio.sample_rate, **tonal) if not silent else np.zeros(12)
    tonic, mode, strength = estimate_key(profile) if not silent else (0, "major", 0.0)
    times = lambda f: [round(float(t), 3) for t in np.asarray(f) / rhythm.frame_rate]  # noqa: E731
    result = {"duration": round(audio.duration, 3), "tempo": round(rhythm.bpm, 2), "beats": times(rhythm.beats),
              "onsets": times(rhythm.onsets), "key": None if silent else key_name(tonic, mode),
              "key_strength": round(strength, 3)}
    if chords:
        levels = chord_levels(semitone_power(x, sample_rate=audio.sample_rate, n_fft=tonal["n_fft"], hop_length=HOP))
        starts = chord_starts(rhythm.beats, len(levels), rhythm.frame_rate)
        bounds = np.r_[starts, len(levels)]
        labels = chord_labels(segment_means(chord_chroma(levels), bounds, statistic="median"),
                              bass=bass_chroma(segment_means(levels, bounds, statistic="median")),
                              energy=segment_means(rms[:len(levels), None], bounds)[:, 0])
        result["chords"] = [{"time": t, "chord": c} for t, c in zip(times(starts), labels)]
    return result


def transcribe_melody(audio: Audio, *, fmin: float = 65.4, fmax: float = 2093.0, min_note: float = 0.06,
                      grid_beats: float | None = None, bpm: float | None = None) -> tuple[list, float, dict]:
    """``(notes, bpm, report)`` of a monophonic recording: pYIN notes split at onsets; with
    ``grid_beats`` snapped to that fraction of the tracked beat, the first beat at time 0."""
    from .notes import quantise, refine_starts, segment_notes
    from .pitch_track import track_pitch

    audio = prepared(audio)
    x = audio.mono.astype(np.float32)
    f0, voiced, _ = track_pitch(audio, fmin=fmin, fmax=fmax, hop_length=HOP)
    rhythm = rhythm_of(audio)
    frames = np.lib.stride_tricks.sliding_window_view(np.pad(x, 1024), 2048)[::HOP][:len(f0)]
    level = 10 * np.log10(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-12)
    level -= level.max()
    notes = segment_notes(f0, voiced, rhythm.onsets, frame_rate=rhythm.frame_rate, min_note=min_note,
                          level_db=np.pad(level, (0, max(0, len(f0) - len(level))), constant_values=-120.0))
    notes = refine_starts(notes, x, audio.sample_rate)
    tempo = float(bpm) if bpm else (rhythm.bpm if rhythm.bpm > 0 else 120.0)
    report = {"tempo": round(tempo, 2), "voiced_frames": int(voiced.sum()), "notes": len(notes)}
    if grid_beats is not None and notes:
        period = 60.0 / tempo
        beats = rhythm.beats / rhythm.frame_rate
        # the grid runs through the beats; its origin is the last beat at or before the first note
        anchor = beats[0] if len(beats) else notes[0].start
        origin = anchor + np.floor((notes[0].start - anchor) / period + 0.25) * period
        notes = quantise(notes, bpm=tempo, origin=origin, grid_beats=grid_beats)
        report["grid_origin"] = round(float(origin), 3)
    return notes, tempo, report
