"""Music: render the example songs written with the DSL, and a MIDI round trip."""

from __future__ import annotations

import runpy
import time
from pathlib import Path

from sonitus import Score
from sonitus.dsl import music as m
from sonitus.dsl import save

SONGS = Path(__file__).resolve().parents[1] / "songs"


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in sorted(SONGS.glob("*.py")):
        song = runpy.run_path(str(path))["song"]
        start = time.perf_counter()
        wav = (song >> m.fluidsynth() >> save(out_dir / f"{path.stem}.wav")).run()
        seconds = time.perf_counter() - start
        score = song.to_score()
        score.save(out_dir / f"{path.stem}.mid")
        print(f"{path.stem:<12} {len(song.tracks)} tracks, {score.notes:4d} notes, {score.duration:5.1f} s "
              f"-> {wav.name} rendered in {seconds:.2f} s ({score.duration / seconds:.0f}x real time)")
    from sonitus.music.songtext import read_song_text

    waltz = read_song_text(SONGS / "waltz.txt")
    (waltz >> m.fluidsynth() >> save(out_dir / "waltz.wav")).run()
    back = Score.load(waltz.to_score().save(out_dir / "waltz.mid"))
    print(f"waltz.txt    parsed from the text format, {back.notes} notes, meter {back.meter}, tempo {back.tempo:g}")
    canon = m.load(out_dir / "canon.mid").transpose(-3)
    print(f"canon.mid    reloaded and transposed a minor third down: {canon.to_score()!r}")
