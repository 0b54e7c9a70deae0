"""Shared fixtures for the sonitus test suite."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import EXAMPLE_PLUGIN, ROOT, run_cli  # noqa: F401  (re-exported for tests)

# Keep JAX quiet and on the CPU in tests, whatever the machine has.
os.environ.setdefault("JAX_PLATFORMS", "cpu")


@pytest.fixture(autouse=True)
def _fresh_default_registry(monkeypatch):
    """Every test starts with the process-wide registry unbuilt and the env unset."""
    import sonitus

    for var in ("SONITUS_LOAD_PLUGINS", "SONITUS_DISABLE_PLUGINS", "SONITUS_TRACE"):
        monkeypatch.delenv(var, raising=False)
    sonitus.reset_registry()
    yield
    sonitus.reset_registry()


@pytest.fixture(scope="session")
def example_plugin_site(tmp_path_factory) -> Path:
    """The example third-party plugin built and installed (once) into a folder of its own, as a
    second site-packages: the environment that runs the tests is left as it was."""
    site = tmp_path_factory.mktemp("example-plugin-site")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--no-warn-script-location", "--target", str(site), str(EXAMPLE_PLUGIN)], check=True,
                   env={**os.environ, "PYTHONWARNINGS": "ignore"})
    return site


@pytest.fixture
def example_plugin_installed(example_plugin_site, monkeypatch) -> str:
    """The example plugin installed for this test: its folder on this process's path (entry points
    are found there) and on the PYTHONPATH of the CLI processes the test starts. Its name."""
    monkeypatch.syspath_prepend(str(example_plugin_site))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(example_plugin_site),
                                                                   os.environ.get("PYTHONPATH")])))
    return "example"


@pytest.fixture
def wav_path(tmp_path) -> Path:
    """A one-second 440 Hz stereo WAV (16-bit, 16 kHz)."""
    import soundfile as sf

    t = np.arange(16000) / 16000
    wave = 0.5 * np.sin(2 * np.pi * 440 * t)
    path = tmp_path / "tone.wav"
    sf.write(path, np.stack([wave, 0.5 * wave], axis=1), 16000, subtype="PCM_16")
    return path
