"""sonitus batch: short clips through ``logmel`` and through the shipped recogniser, in-process and on Ray.

Writes N clips of 1-3 s (speech from espeak-ng when it is installed, else tones) to a
temporary folder, then times ``run_dataset`` over them for each pipeline and prints files/s
and the time a file costs, beside the bare stage on the same clips already in memory (the
overhead of reading files and writing rows), and on a local Ray with one worker and with one a
core (when Ray is installed): files/s once the workers are up (from a 64-file run and a full
one), and the seconds it takes to start the workers and build the pipeline in each.
Run: ``.venv/bin/python benchmarks/batch.py [N]`` (default 2000).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _cli import make_parser  # noqa: E402


def make_clips(folder: Path, count: int) -> list[Path]:
    import soundfile as sf

    rng = np.random.default_rng(0)
    speech = shutil.which("espeak-ng") is not None
    words = "turn left right stop go yes no up down one two three four five".split()
    templates = []
    if speech:
        from sonitus.tts import Voice, synthesize

        for _ in range(40):
            text = " ".join(rng.choice(words, size=int(rng.integers(2, 6))))
            templates.append(synthesize(text, Voice("espeak", "en-us", rate=int(rng.integers(140, 200)))))
    else:
        t = np.arange(32000) / 16000
        templates = [0.3 * np.sin(2 * np.pi * f * t[:int(rng.integers(16000, 48000))]) for f in range(200, 600, 10)]
    paths = []
    for i in range(count):
        path = folder / f"clip{i:05d}.wav"
        sf.write(path, templates[i % len(templates)], 16000, subtype="PCM_16")
        paths.append(path)
    return paths


def main() -> None:
    parser = make_parser(__doc__)
    parser.add_argument("count", nargs="?", type=int, default=2000, help="clips to write and transcribe")
    count = parser.parse_args().count
    import jax
    from sonitus import Audio
    from sonitus.batch import parse_pipeline, run_dataset

    print(f"JAX {jax.__version__} on {jax.devices()[0].platform}; {os.cpu_count()} CPU cores; {count} clips")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "clips").mkdir()
        paths = make_clips(folder / "clips", count)
        seconds = sum(Audio.info(p).duration for p in paths)
        print(f"  {seconds / count:.2f} s of audio a clip")
        for text in ("logmel(n_mels=80, n_fft=512, hop_length=160)", "ctc"):
            pipeline = parse_pipeline(text)
            audios = [Audio.load(p) for p in paths[:256]]
            pipeline.map(audios, batch_size=32)  # compile every bucket shape first
            tic = time.perf_counter()
            pipeline.map(audios, batch_size=32)
            bare = (time.perf_counter() - tic) / len(audios)
            tic = time.perf_counter()
            counts = run_dataset(pipeline, paths, folder / f"{text[:6]}.jsonl", progress=False, batch_size=32)
            wall = time.perf_counter() - tic
            print(f"\n{text}\n  in-process      {count / wall:8.1f} files/s  ({wall / count * 1000:.2f} ms a file, "
                  f"{counts['errors']} errors)\n  stage alone     {1 / bare:8.1f} files/s  ({bare * 1000:.2f} ms a file, "
                  f"clips in memory)\n  overhead        {(wall / count - bare) * 1000:8.2f} ms a file (read + row)")
            if ray_available():
                start_ray()
                warm = 64
                for workers in (1, os.cpu_count()):
                    times = []
                    for n in (warm, count):
                        tic = time.perf_counter()
                        counts = run_dataset(pipeline, paths[:n], folder / f"{text[:6]}-ray{workers}-{n}.jsonl",
                                             progress=False, batch_size=32, backend="ray", workers=workers)
                        times.append(time.perf_counter() - tic)
                    each = (times[1] - times[0]) / (count - warm)
                    print(f"  ray, {workers} worker{'s' if workers > 1 else ' '}  {1 / each:8.1f} files/s  ({each * 1000:.2f} ms "
                          f"a file, {counts['errors']} errors; {wall / count / each:.2f}x in-process) once its workers "
                          f"are up ({times[0] - warm * each:.1f} s to start them and build the pipeline)")
                    if workers == 1:
                        print(f"  ray overhead    {(each - wall / count) * 1000:8.2f} ms a file over in-process")
            else:
                print("  ray             (not installed: pip install 'sonitus[ray]')")


def start_ray() -> None:
    """A local Ray for all the runs, so that its start is counted once (and printed)."""
    from sonitus.batch_ray import start_ray as start

    tic = time.perf_counter()
    if start(workers=os.cpu_count()):
        print(f"  (a local Ray started in {time.perf_counter() - tic:.1f} s)")


def ray_available() -> bool:
    try:
        import ray  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    main()
