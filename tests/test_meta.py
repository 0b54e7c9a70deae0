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


def _imported_modules(path: Path) -> set[str]:
    """Absolute module names a source file imports (relative imports resolved against its package)."""
    import ast

    package = ".".join(("sonitus",) + path.relative_to(ROOT).with_suffix("").parts[:-1])
    package = package.replace("sonitus.core", "sonitus").replace("sonitus.dsl", "sonitus.dsl")
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


PLUGINS = {p.stem for p in (ROOT / "plugins").iterdir() if p.suffix == ".py" or (p / "__init__.py").exists()} - {
    "__init__"}


def _plugin_of(module: str) -> str | None:
    """The built-in plugin a module name points into (``sonitus.plugins.BUILTIN_PLUGINS`` is none)."""
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[:2] == ["sonitus", "plugins"] and parts[2] in PLUGINS else None


def test_plugins_import_core_and_the_library_never_each_other():
    offenders = []
    for path in sorted((ROOT / "plugins").rglob("*.py")):
        rel = path.relative_to(ROOT / "plugins")
        own = rel.parts[0].removesuffix(".py") if len(rel.parts) > 1 or rel.stem != "__init__" else None
        for module in _imported_modules(path):
            other = _plugin_of(module)
            if other and other != own:
                offenders.append(f"plugins/{rel} imports {module}")
    assert not offenders, "a plugin may import sonitus (core and its library), never another plugin:\n" + \
        "\n".join(offenders)


def test_core_and_dsl_import_no_plugin():
    offenders = [f"{path.relative_to(ROOT)} imports {module}"
                 for folder in ("core", "dsl") for path in sorted((ROOT / folder).rglob("*.py"))
                 for module in _imported_modules(path) if _plugin_of(module)]
    assert not offenders, "core and the DSL find plugins through the registry only:\n" + "\n".join(offenders)


def test_docs_stages_md_is_current():
    from cli_helpers import run_cli

    result = run_cli("stages", "--markdown")
    assert result.returncode == 0, result.stderr
    current = (ROOT / "docs" / "stages.md").read_text()
    assert current == result.stdout, "regenerate it: sonitus stages --markdown > docs/stages.md"
    assert "| `logmel` |" in current and "| `ctc` |" in current and "| `chorale-gan` |" in current
    assert str(Path.home()) not in current, "a default that names this machine's home folder leaked into the docs"


def test_each_hook_documents_its_row_of_the_contract_table():
    """The table in sonitus.hookspecs is the contract; the hook docstrings may not drift from it."""
    from sonitus import hookspecs
    from sonitus.stages import type_name

    for row in (*hookspecs.STAGE_KINDS, hookspecs.DATASETS):
        doc = getattr(hookspecs, row.hook).__doc__
        for t in (row.consumes, row.produces):
            for name in type_name(t).split(" | "):
                assert name in ("None", "any") or name in doc, f"{row.hook} does not mention {name}"
