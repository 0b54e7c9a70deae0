"""The chorale GAN beside held-out real chorales and a random diatonic baseline, one process.

Prints, for each: empty bars, qualified notes, pitch-class entropy, polyphony and the five
Yang & Lerch overlapping areas against the training chorales; then the time to generate 8
bars after the first call. Run: ``.venv/bin/python benchmarks/gan_metrics.py [--model X]``.
"""

from __future__ import annotations

import argparse
import time


def main() -> None:
    from click.testing import CliRunner
    from sonitus.cli import cli
    from sonitus.plugins.gan.generator import ChoraleGenerator

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()
    argv = ["eval", "gan", "chorales", "--count", str(args.count)] + (["--model", args.model] if args.model else [])
    print(CliRunner().invoke(cli, argv).output)
    ChoraleGenerator(args.model, bars=8, seed=0).roll()  # load and compile
    tic = time.perf_counter()
    for seed in range(1, 11):
        ChoraleGenerator(args.model, bars=8, seed=seed)()
    print(f"8 bars to a Score: {(time.perf_counter() - tic) / 10 * 1000:.1f} ms (mean of 10, after the first call)")


if __name__ == "__main__":
    main()
