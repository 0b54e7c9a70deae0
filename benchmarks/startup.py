"""Start-up: a fresh process computing one MFCC of a 5 s clip, sonitus vs librosa.

sonitus keeps compiled kernels in a persistent cache (``~/.cache/sonitus/jax-lru``), so the
second and later processes skip compilation. Also times ``import sonitus`` and
``sonitus --help``. Run: ``.venv/bin/python benchmarks/startup.py``.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _cli import make_parser  # noqa: E402

SONITUS = """
import numpy as np
from sonitus.dsp.features import mfcc
x = (0.1 * np.random.default_rng(0).standard_normal(80000)).astype(np.float32)
np.asarray(mfcc(x, sample_rate=16000))
"""
LIBROSA = """
import numpy as np, librosa
x = (0.1 * np.random.default_rng(0).standard_normal(80000)).astype(np.float32)
librosa.feature.mfcc(y=x, sr=16000)
"""


def wall(args: list[str], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    make_parser(__doc__).parse_args()
    py = sys.executable
    subprocess.run([py, "-c", SONITUS], check=True)  # fills the persistent cache
    ours = wall([py, "-c", SONITUS])
    theirs = wall([py, "-c", LIBROSA])
    print("fresh process, one MFCC of a 5 s clip (median of 5)")
    print(f"  librosa   {theirs:6.2f} s")
    print(f"  sonitus   {ours:6.2f} s   ratio librosa/sonitus {theirs / ours:4.2f}")
    print(f"import sonitus        {wall([py, '-c', 'import sonitus']):6.3f} s (process included)")
    print(f"python -c pass        {wall([py, '-c', 'pass']):6.3f} s")
    print(f"sonitus --help        {wall([py, '-m', 'sonitus', '--help']):6.3f} s")


if __name__ == "__main__":
    main()
