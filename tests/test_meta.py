"""Meta-tests in the spirit of datasette's: every hook is documented and exercised by a test."""

from pathlib import Path

from sonitus import hookspecs

ROOT = Path(__file__).resolve().parents[1]
HOOKS = sorted(n for n in dir(hookspecs) if n.startswith("register_"))


def test_every_hook_is_documented():
    docs = (ROOT / "docs" / "plugins.md").read_text()
    missing = [h for h in HOOKS if f"`{h}(" not in docs]
    assert not missing, f"document these hooks in docs/plugins.md: {missing}"


def test_every_hook_has_a_test():
    tests = "\n".join(p.read_text() for p in (ROOT / "tests").rglob("test_*.py") if p.name != "test_meta.py")
    tests += (ROOT / "sdk_examples" / "sonitus-plugin-example" / "sonitus_plugin_example" / "__init__.py").read_text()
    missing = [h for h in HOOKS if f"def {h}(" not in tests]
    assert not missing, f"write a test plugin implementing these hooks: {missing}"


def test_readme_quick_start_has_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    assert "make demo" in readme and "make test" in readme


def test_ci_runs_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
