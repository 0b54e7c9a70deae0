"""`make demo`: run every capability's demo in sdk_examples/demos/, in order.

Each demo module has a ``main(out_dir)`` that does its capability's main job and prints
real figures. Output files land in ``demo-output/``.
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
import time
import traceback
from pathlib import Path

from sonitus.errors import CheckpointError, DependencyError

HERE = Path(__file__).resolve().parent
ORDER = ["foundation", "dsp", "music", "hmm", "asr", "gan", "listen"]


def _demos() -> list[Path]:
    found = {p.stem: p for p in (HERE / "demos").glob("*.py") if not p.name.startswith("_")}
    return [found.pop(n) for n in ORDER if n in found] + sorted(found.values())


def main() -> int:
    out_dir = Path.cwd() / "demo-output"
    out_dir.mkdir(exist_ok=True)
    failures = 0
    for path in _demos():
        print(f"\n=== {path.stem} " + "=" * (60 - len(path.stem)), flush=True)
        spec = importlib.util.spec_from_file_location(f"sonitus_demo_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        start = time.perf_counter()
        try:
            spec.loader.exec_module(module)
            takes_dir = bool(inspect.signature(module.main).parameters)
            module.main(out_dir / path.stem) if takes_dir else module.main()
        except (CheckpointError, DependencyError) as exc:  # a model or package not installed: say so, go on
            print(f"skipped {path.stem}: {exc}")
        except Exception:
            failures += 1
            traceback.print_exc()
        print(f"--- {path.stem}: {time.perf_counter() - start:.1f} s", flush=True)
    made = sorted(p for p in out_dir.rglob("*") if p.is_file())
    print(f"\nMade {len(made)} files in {out_dir}:")
    for folder in sorted({p.parent for p in made}):
        names = [p.name for p in made if p.parent == folder]
        print(f"  {folder.relative_to(out_dir)}/: " + ", ".join(names[:8]) + (" ..." if len(names) > 8 else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
