"""A plain wheel build maps the folders onto `sonitus` and carries the shipped weights."""

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_contains_packages_and_package_data(tmp_path):
    built = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir",
                            str(tmp_path), str(ROOT)], check=True, capture_output=True, text=True, timeout=600)
    # data folders (weights/, recipes/) are packages too: no "absent from packages" warning wall
    assert "is absent from the `packages` configuration" not in built.stdout + built.stderr
    (wheel,) = tmp_path.glob("sonitus-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for module in ("sonitus/__init__.py", "sonitus/cli/__init__.py", "sonitus/plugins/basic.py",
                   "sonitus/dsl/__init__.py"):
        assert module in names
    shipped = [p for pattern in ("*.ckpt", "*.msgpack", "*.npz", "*.lm.json", "recipes/*.json")
               for p in (ROOT / "plugins").rglob(pattern)]
    for path in shipped:
        assert f"sonitus/plugins/{path.relative_to(ROOT / 'plugins').as_posix()}" in names
    assert any(n.endswith("entry_points.txt") for n in names)
