"""The import contracts of pyproject.toml ([tool.importlinter]) hold: core never imports a
plugin or the DSL, plugins never import the DSL, plugins are independent of each other.

sonitus's source folders map onto one package (core/ is ``sonitus``, plugins/ is
``sonitus.plugins``, dsl/ is ``sonitus.dsl``), which import-linter cannot follow from an
editable install, so the test lays the package out with symbolic links first."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _package_tree(where: Path) -> Path:
    package = where / "sonitus"
    package.mkdir(parents=True)
    for item in (ROOT / "core").iterdir():
        if item.name != "__pycache__":
            (package / item.name).symlink_to(item)
    (package / "plugins").symlink_to(ROOT / "plugins")
    (package / "dsl").symlink_to(ROOT / "dsl")
    return where


def test_import_contracts_hold(tmp_path):
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    if lint is None:
        pytest.skip("import-linter is not installed (pip install 'sonitus[dev]')")
    tree = _package_tree(tmp_path)
    result = subprocess.run([lint, "--config", str(ROOT / "pyproject.toml"), "--no-cache"], cwd=tree,
                            env={**os.environ, "PYTHONPATH": str(tree)}, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "3 kept, 0 broken" in result.stdout
