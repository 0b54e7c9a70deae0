"""The GANs beside real held-out data and a baseline, one process.

Chorales: empty bars, qualified notes, pitch-class entropy, polyphony and the five Yang &
Lerch overlapping areas against the training chorales, for held-out real chorales, the GAN
and random diatonic lines; then the time to generate 8 bars after the first call.

Notes (``--notes``): pitch accuracy (YIN on the Griffin-Lim rendering), instrument accuracy
and Fréchet distance for held-out real notes, the notes GAN and noise; then the time to
generate and render one note after the first call.

Run: ``.venv/bin/python benchmarks/gan_metrics.py [--model X] [--notes]``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _cli import make_parser  # noqa: E402


def _mean_ms(make, runs: int = 10) -> float:
    make(0)  # load and compile
    tic = time.perf_counter()
    for seed in range(1, runs + 1):
        make(seed)
    return (time.perf_counter() - tic) / runs * 1000


def main() -> None:
    from click.testing import CliRunner
    from sonitus.cli import cli

    parser = make_parser(__doc__)
    parser.add_argument("--model", default=None)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--notes", action="store_true", help="the notes GAN instead of the chorale GAN")
    args = parser.parse_args()
    model = ["--model", args.model] if args.model else []
    if args.notes:
        from sonitus.dsl import stage

        print(CliRunner().invoke(cli, ["eval", "gan", "notes", *model]).output)
        ms = _mean_ms(lambda s: (stage("notes-gan", model=args.model, pitch=60, seed=s)
                                 >> stage("griffin-lim", n_iter=64))())
        print(f"one note to audio (64 Griffin-Lim iterations): {ms:.1f} ms (mean of 10, after the first call)")
        return
    from sonitus.plugins.gan.generator import ChoraleGANGenerator

    print(CliRunner().invoke(cli, ["eval", "gan", "chorales", "--count", str(args.count), *model]).output)
    ms = _mean_ms(lambda s: ChoraleGANGenerator(args.model, bars=8, seed=s)())
    print(f"8 bars to a Score: {ms:.1f} ms (mean of 10, after the first call)")


if __name__ == "__main__":
    main()
