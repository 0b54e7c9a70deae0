"""Listening to music: sonitus vs librosa side by side in one process, on FluidSynth renders with
known notes, key and tempo.

The set: ``--pieces`` random 8-bar melodies (a random major or harmonic-minor key, quarter/eighth/half
notes walking its scale from the tonic and closing on it) at tempos 70-150 bpm, played by piano, flute, violin, trumpet, clarinet or
"voice oohs"; every other piece adds drums (kick, snare, hats) and held chords. Scored:

- tempo within 4 % of the truth (and within 4 % of it, half or double it), and the median error;
- beats: mir_eval F-measure (70 ms) on the pieces with drums;
- key: mir_eval's weighted score (sonitus only: librosa has no key estimator);
- chords: on the pieces with drums, the share of beats inside the held chords (I-IV-V-I-vi-IV-V-I,
  a bar each) whose label has the right root and third (mir_eval's ``thirds``; sonitus only); and
  the same on ``--pieces / 2`` pieces of a harder, varied set (:func:`make_chord_piece`: random
  diatonic progressions, inversions, arpeggios, six accompanying instruments, drums or none);
- audio -> MIDI: mir_eval note F1 (50 ms onsets, 50 cents, offsets ignored) on the melody-only
  pieces (sonitus only; librosa has no transcriber);
- speed: sonitus's ``pyin`` against ``librosa.pyin`` on a 25 s clip (after one warm-up call),
  with the FFT autocorrelation alone as the floor; onsets + tempo + beats against librosa's.

    python benchmarks/listen.py                 # 24 pieces
    python benchmarks/listen.py --pieces 8 --json
    python benchmarks/listen.py --sample-rate 44100   # the set at a recording's rate (docs/listen.md)
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _cli import make_parser  # noqa: E402
from _timing import wall_times  # noqa: E402

SR = 22050
INSTRUMENTS = {"piano": 0, "flute": 73, "violin": 40, "trumpet": 56, "clarinet": 71, "voice oohs": 53}


def make_piece(i: int) -> dict:
    """One piece of the set: its Score, notes of the melody, key, tempo, beat times, drums or not."""
    import pretty_midi
    from sonitus import Score
    from sonitus.dsp.tonal import NOTE_NAMES, key_name

    rng = np.random.default_rng(1000 + i)
    bpm = float(rng.choice([70, 84, 96, 110, 124, 138, 150]))
    tonic, minor = int(rng.integers(12)), bool(rng.integers(2))
    scale = [0, 2, 3, 5, 7, 8, 11] if minor else [0, 2, 4, 5, 7, 9, 11]  # harmonic minor
    program = list(INSTRUMENTS.values())[i % len(INSTRUMENTS)]
    drums = i % 2 == 0
    beat = 60.0 / bpm
    lead = 2 * beat
    midi = pretty_midi.PrettyMIDI(initial_tempo=bpm)
    melody = pretty_midi.Instrument(program, name="melody")
    base = 60 + tonic if tonic < 7 else 48 + tonic
    degree, t = 0, 0.0
    while t < 30:  # a random walk on the scale from the tonic, then two beats of tonic to close
        length = min(float(rng.choice([0.5, 1, 1, 1, 2])), 30 - t)
        pitch = base + 12 * (degree // 7) + scale[degree % 7]
        melody.notes.append(pretty_midi.Note(100, pitch, lead + t * beat, lead + (t + length * 0.92) * beat))
        t += length
        degree = int(np.clip(degree + rng.choice([-2, -1, -1, 0, 1, 1, 2, 3, -3]), -3, 9))
    melody.notes.append(pretty_midi.Note(100, base + (12 if degree > 3 else 0), lead + 30 * beat, lead + 31.8 * beat))
    midi.instruments.append(melody)
    if drums:
        kit = pretty_midi.Instrument(0, is_drum=True)
        pad = pretty_midi.Instrument(48, name="chords")  # string ensemble
        for b in range(32):
            at = lead + b * beat
            kit.notes.append(pretty_midi.Note(100, 36 if b % 2 == 0 else 38, at, at + 0.1))
            for half in (0, 0.5):
                kit.notes.append(pretty_midi.Note(70, 42, at + half * beat, at + half * beat + 0.05))
        chords = []
        for bar, degree in enumerate([0, 3, 4, 0, 5, 3, 4, 0]):
            third = (scale[(degree + 2) % 7] - scale[degree]) % 12
            chords.append((lead + 4 * bar * beat, lead + 4 * (bar + 1) * beat,
                           f"{NOTE_NAMES[(tonic + scale[degree]) % 12]}:{'maj' if third == 4 else 'min'}"))
            root = 48 + tonic + scale[degree] - (12 if tonic + scale[degree] > 7 else 0)
            for step in (0, 2, 4):
                d = (degree + step) % 7
                pitch = root + (scale[d] - scale[degree]) % 12
                pad.notes.append(pretty_midi.Note(60, pitch, lead + 4 * bar * beat, lead + 4 * (bar + 1) * beat))
        midi.instruments += [kit, pad]
    return {"score": Score(midi), "bpm": bpm, "key": key_name(tonic, "minor" if minor else "major"),
            "chords": chords if drums else [],
            "beats": lead + np.arange(32) * beat, "drums": drums,
            "notes": [(n.pitch, n.start, n.end) for n in melody.notes],
            "instrument": [k for k, v in INSTRUMENTS.items() if v == program][0]}


ACCOMPANIMENTS = {"piano": 0, "organ": 19, "nylon guitar": 24, "strings": 48, "electric piano": 4, "warm pad": 89}


def make_chord_piece(i: int) -> dict:
    """A piece of the varied chord set: 32 beats of diatonic chords, each 2, 4 or 8 beats long, in a
    random order (the dominant sometimes a seventh; any inversion), held, struck on every beat or
    arpeggiated by one of :data:`ACCOMPANIMENTS`, under a melody of chord and passing tones; drums
    on every other piece. Its truth is the chords in mir_eval's syntax (with 'dim' and 'aug')."""
    import pretty_midi
    from sonitus import Score
    from sonitus.dsp.tonal import NOTE_NAMES

    rng = np.random.default_rng(3000 + i)
    bpm = float(rng.choice([72, 90, 100, 116, 132]))
    tonic, minor = int(rng.integers(12)), bool(rng.integers(2))
    scale = [0, 2, 3, 5, 7, 8, 11] if minor else [0, 2, 4, 5, 7, 9, 11]
    beat = 60.0 / bpm
    lead = 2 * beat
    midi = pretty_midi.PrettyMIDI(initial_tempo=bpm)
    melody = pretty_midi.Instrument(list(INSTRUMENTS.values())[i % len(INSTRUMENTS)])
    backing = pretty_midi.Instrument(list(ACCOMPANIMENTS.values())[i % len(ACCOMPANIMENTS)])
    chords, b, degree, style = [], 0, 0, i % 3
    while b < 32:
        length = min(int(rng.choice([2, 4, 4, 8])), 32 - b)
        a, z = lead + b * beat, lead + (b + length) * beat
        third = (scale[(degree + 2) % 7] - scale[degree]) % 12
        fifth = (scale[(degree + 4) % 7] - scale[degree]) % 12
        quality = ("maj" if third == 4 else "min") if fifth == 7 else ("dim" if third == 3 else "aug")
        seventh = quality == "maj" and degree == 4 and rng.random() < 0.4
        root = (tonic + scale[degree]) % 12
        chords.append((a, z, f"{NOTE_NAMES[root]}:{'7' if seventh else quality}"))
        low = 48 + root - (12 if root > 7 else 0)
        tones = sorted(low + (scale[(degree + s) % 7] - scale[degree]) % 12 for s in (0, 2, 4))
        tones += [low + 10] if seventh else []
        for k in range(int(rng.choice([0, 0, 1, 2]))):  # inversion
            tones[k] += 12
        if style == 0:
            backing.notes += [pretty_midi.Note(75, p, a, z) for p in tones]
        elif style == 1:
            backing.notes += [pretty_midi.Note(75, p, a + k * beat, a + (k + 0.9) * beat)
                              for k in range(length) for p in tones]
        else:
            arpeggio = sorted(tones)
            backing.notes += [pretty_midi.Note(75, arpeggio[k % len(arpeggio)] - (0 if k % 4 else 12),
                                               a + k * beat / 2, a + (k + 1) * beat / 2) for k in range(2 * length)]
        b += length
        following = int(rng.choice([0, 1, 2, 3, 4, 5, 4, 3]))
        degree = following if following != degree else (following + 3) % 7
    t, step = 0.0, 0
    while t < 31:
        length = float(rng.choice([0.5, 1, 1, 2]))
        pitch = 60 + tonic + 12 * (step // 7) + scale[step % 7]
        melody.notes.append(pretty_midi.Note(85, pitch, lead + t * beat, lead + (t + 0.9 * length) * beat))
        t += length
        step = int(np.clip(step + rng.choice([-2, -1, 1, 2, 0]), -2, 9))
    midi.instruments += [melody, backing]
    if i % 2 == 0:
        kit = pretty_midi.Instrument(0, is_drum=True)
        kit.notes += [pretty_midi.Note(100, 36 if k % 2 == 0 else 38, lead + k * beat, lead + k * beat + 0.1)
                      for k in range(32)]
        midi.instruments.append(kit)
    return {"score": Score(midi), "chords": chords, "beats": lead + np.arange(32) * beat}

def tempo_ok(found: float, truth: float, *, octave: bool = False) -> bool:
    ratios = (1.0, 0.5, 2.0) if octave else (1.0,)
    return any(abs(found / (truth * r) - 1) <= 0.04 for r in ratios)


def note_f1(truth: list, heard: list) -> float:
    import mir_eval

    if not heard:
        return 0.0
    ref = np.array([[a, b] for _, a, b in truth])
    est = np.array([[n.start, n.end] for n in heard])
    hz = lambda ps: mir_eval.util.midi_to_hz(np.array(ps, float))  # noqa: E731
    return float(mir_eval.transcription.precision_recall_f1_overlap(
        ref, hz([p for p, _, _ in truth]), est, hz([n.pitch for n in heard]), onset_tolerance=0.05,
        pitch_tolerance=50.0, offset_ratio=None)[2])


def harte(label: str) -> str:
    """sonitus's chord label ('C', 'Am', 'G7', 'N') in mir_eval's syntax ('C:maj', 'A:min', 'G:7', 'N')."""
    if label == "N":
        return "N"
    if label.endswith("7"):
        return label[:-1] + ":7"
    return label[:-1] + ":min" if label.endswith("m") else label + ":maj"


def chord_accuracy(truth: list, heard: list) -> float:
    """Share of the beats inside the held chords whose label has the right root and third
    (mir_eval's ``thirds``: a dominant seventh counts as its major triad)."""
    import mir_eval

    scores = []
    for row in heard:
        t = row["time"] + 0.05
        ref = next((label for a, b, label in truth if a <= t < b), None)
        if ref is not None:
            scores.append(float(mir_eval.chord.thirds([ref], [harte(row["chord"])])[0]))
    return float(np.mean(scores)) if scores else 0.0


def run_set(count: int, rate: int = SR) -> dict:
    import librosa
    import mir_eval
    from sonitus import get_registry
    from sonitus.plugins.listen.analysis import analyze, transcribe_melody

    render = get_registry().stage("fluidsynth", sample_rate=rate)
    rows = []
    for i in range(count):
        piece = make_piece(i)
        audio = render(piece["score"])
        y = audio.mono.astype(np.float32)
        ours = analyze(audio, chords=piece["drums"])
        lib_bpm, lib_beats = librosa.beat.beat_track(y=y, sr=rate)
        lib_bpm = float(np.atleast_1d(lib_bpm)[0])
        row = {"piece": i, "instrument": piece["instrument"], "drums": piece["drums"], "bpm": piece["bpm"],
               "key": piece["key"], "sonitus_tempo": ours["tempo"], "librosa_tempo": round(lib_bpm, 2),
               "sonitus_key": ours["key"],
               "key_score": float(mir_eval.key.weighted_score(piece["key"], ours["key"] or "C major"))}
        if piece["drums"]:
            row["sonitus_beat_f"] = float(mir_eval.beat.f_measure(piece["beats"], np.array(ours["beats"])))
            row["chord_accuracy"] = chord_accuracy(piece["chords"], ours["chords"])
            row["librosa_beat_f"] = float(mir_eval.beat.f_measure(
                piece["beats"], librosa.frames_to_time(lib_beats, sr=rate)))
        else:
            notes, _, _ = transcribe_melody(audio)
            row["note_f1"] = note_f1(piece["notes"], notes)
        rows.append(row)
    summary = summarise(rows)
    varied = [chord_accuracy(piece["chords"], analyze(render(piece["score"]))["chords"])
              for piece in map(make_chord_piece, range(count // 2))]
    summary["chords_varied_root_and_third_per_beat"] = {
        "sonitus": round(float(np.mean(varied)), 3) if varied else None}
    return {"sample_rate": rate, "rows": rows, "chords_varied": [round(a, 3) for a in varied], "summary": summary}


def summarise(rows: list) -> dict:
    with_drums = [r for r in rows if r["drums"]]
    melodies = [r for r in rows if not r["drums"]]
    share = lambda rs, f: round(float(np.mean([f(r) for r in rs])), 3) if rs else None  # noqa: E731
    return {
        "pieces": len(rows),
        "tempo_within_4pct": {"sonitus": share(rows, lambda r: tempo_ok(r["sonitus_tempo"], r["bpm"])),
                              "librosa": share(rows, lambda r: tempo_ok(r["librosa_tempo"], r["bpm"]))},
        "tempo_within_4pct_or_octave": {
            "sonitus": share(rows, lambda r: tempo_ok(r["sonitus_tempo"], r["bpm"], octave=True)),
            "librosa": share(rows, lambda r: tempo_ok(r["librosa_tempo"], r["bpm"], octave=True))},
        "tempo_median_error_pct": {
            "sonitus": round(100 * float(np.median([abs(r["sonitus_tempo"] / r["bpm"] - 1) for r in rows])), 2),
            "librosa": round(100 * float(np.median([abs(r["librosa_tempo"] / r["bpm"] - 1) for r in rows])), 2)},
        "beat_f_measure_with_drums": {"sonitus": share(with_drums, lambda r: r["sonitus_beat_f"]),
                                      "librosa": share(with_drums, lambda r: r["librosa_beat_f"])},
        "chord_root_and_third_per_beat": {"sonitus": share(with_drums, lambda r: r["chord_accuracy"])},
        "key_weighted_score": {"sonitus": share(rows, lambda r: r["key_score"])},
        "note_f1_melodies": {"sonitus": share(melodies, lambda r: r["note_f1"])},
    }


def timings(seconds: float = 25.0) -> dict:
    import jax
    import jax.numpy as jnp
    import librosa
    from sonitus.dsp.pitch import pyin
    from sonitus.dsp.rhythm import beat_track, onset_strength

    piece = make_piece(1)
    from sonitus import get_registry

    audio = get_registry().stage("fluidsynth", sample_rate=SR)(piece["score"])
    y = np.resize(audio.mono.astype(np.float32), int(seconds * SR))

    def best(fn, repeat=3):
        return min(wall_times(fn, repeat=repeat))

    ours = best(lambda: pyin(y, sample_rate=SR, fmin=65.4, fmax=2093.0))
    theirs = best(lambda: librosa.pyin(y, sr=SR, fmin=65.4, fmax=2093.0), repeat=1)

    @jax.jit
    def floor(x):  # the framing, FFT and autocorrelation every YIN needs, nothing else
        n = 4096
        frames = jnp.stack([x[i:i + 2048] for i in range(0, x.shape[0] - 2048, 512)])
        return jnp.fft.irfft(jnp.abs(jnp.fft.rfft(frames, n)) ** 2, n)[:, :338].sum()

    fft_floor = best(lambda: floor(jnp.asarray(y)).block_until_ready())
    rhythm_ours = best(lambda: beat_track(onset_strength(y, sample_rate=SR, aggregate="median"), sample_rate=SR))
    rhythm_theirs = best(lambda: librosa.beat.beat_track(y=y, sr=SR))
    f0a, va, _ = pyin(y, sample_rate=SR, fmin=65.4, fmax=2093.0)
    f0b, vb, _ = librosa.pyin(y, sr=SR, fmin=65.4, fmax=2093.0)
    both = va & vb
    cents = 1200 * np.abs(np.log2(f0a[both] / f0b[both]))
    return {"clip_seconds": seconds, "pyin_sonitus_s": round(ours, 3), "pyin_librosa_s": round(theirs, 3),
            "pyin_speedup": round(theirs / ours, 1), "pyin_fft_floor_s": round(fft_floor, 4),
            "pyin_over_floor": round(ours / fft_floor, 1),
            "pyin_parity_within_50_cents": round(float(np.mean(cents < 50)), 4),
            "pyin_voicing_agreement": round(float(np.mean(va == vb)), 4),
            "beats_sonitus_s": round(rhythm_ours, 3), "beats_librosa_s": round(rhythm_theirs, 3),
            "beats_speedup": round(rhythm_theirs / rhythm_ours, 1)}


def main() -> None:
    parser = make_parser(__doc__)
    parser.add_argument("--pieces", type=int, default=24)
    parser.add_argument("--sample-rate", type=int, default=SR,
                        help="rate the set is rendered and heard at (librosa at the same rate; speed: always 22050)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = {"set": run_set(args.pieces, args.sample_rate), "speed": timings()}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for row in result["set"]["rows"]:
        extra = (f"beat F {row['sonitus_beat_f']:.2f} / librosa {row['librosa_beat_f']:.2f}" if row["drums"]
                 else f"note F1 {row['note_f1']:.2f}")
        print(f"{row['piece']:3d} {row['instrument']:10s} {'drums' if row['drums'] else '     '} {row['bpm']:5.0f} bpm "
              f"-> {row['sonitus_tempo']:6.1f} (librosa {row['librosa_tempo']:6.1f})  {row['key']:9s} -> "
              f"{row['sonitus_key']}  {extra}")
    print()
    for name, values in result["set"]["summary"].items():
        if isinstance(values, dict):
            print(f"{name:32s} " + "  ".join(f"{k} {v}" for k, v in values.items()))
    print()
    for name, value in result["speed"].items():
        print(f"{name:32s} {value}")


if __name__ == "__main__":
    main()
