"""`import sonitus` must stay light: no JAX, Flax, Optax or FluidSynth until a stage needs them."""

import json
import subprocess
import sys

HEAVY = ("jax", "jaxlib", "flax", "optax", "fluidsynth", "librosa", "matplotlib", "scipy", "music21")


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", f"{code}\nimport sys, json\n"
                          "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"],
                         capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_import_sonitus_pulls_nothing_heavy():
    assert not _modules_after("import sonitus") & set(HEAVY)


def test_loading_every_plugin_pulls_nothing_heavy():
    loaded = _modules_after("import sonitus, sonitus.dsl\nsonitus.get_registry()")
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_building_the_cli_pulls_nothing_heavy():
    loaded = _modules_after("from sonitus.cli import cli\ncli.list_commands(None)")
    assert not loaded & set(HEAVY), loaded & set(HEAVY)
