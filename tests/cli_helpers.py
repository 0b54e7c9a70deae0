"""Helpers shared by tests: the repository root and running the CLI in a fresh process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_PLUGIN = ROOT / "sdk_examples" / "sonitus-plugin-example"


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None):
    """Run the sonitus CLI in a fresh process and return the CompletedProcess."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "sonitus", *args], capture_output=True, text=True,
                          env=full_env, cwd=cwd, timeout=300)
