"""The import contracts of pyproject.toml ([tool.importlinter]) hold: core never imports a
plugin or the DSL, plugins never import the DSL, plugins are independent of each other
(``lint-imports`` in the repository, as a developer runs it)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    if lint is None:
        pytest.skip("import-linter is not installed (pip install 'sonitus[dev]')")
    result = subprocess.run([lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "4 kept, 0 broken" in result.stdout


def test_no_import_cycle_among_sonitus_modules():
    """Every module can be read without first reading one that imports it back (imports inside
    functions count; imports for type annotations only do not)."""
    grimp = pytest.importorskip("grimp")
    graph = grimp.build_graph("sonitus", include_external_packages=False, cache_dir=None,
                              exclude_type_checking_imports=True)
    cycles = [sorted(c) for c in _strongly_connected(graph) if len(c) > 1]
    assert not cycles, cycles


def _strongly_connected(graph):
    """Tarjan's components of the import graph, without recursion."""
    index, low, on_stack, stack, components, counter = {}, {}, set(), [], [], 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(component)
    return components


def test_the_core_imports_sonitus_at_the_top_of_its_modules():
    """At most 15 imports of sonitus modules inside core functions (an import inside a function
    is how a cycle hides); third-party imports may stay lazy."""
    import ast

    inside = []
    for path in sorted((ROOT / "core").rglob("*.py")):
        if path.relative_to(ROOT / "core").parts[0] in ("plugins", "dsl"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                inside += [(path.name, sub.lineno) for sub in ast.walk(node) if isinstance(sub, ast.ImportFrom)
                           and (sub.level > 0 or (sub.module or "").startswith("sonitus"))]
    inside = sorted(set(inside))
    assert len(inside) <= 15, inside


def test_every_builtin_plugin_package_reads_the_same():
    """``__init__.py`` holds hooks only (no class, no other function); commands live in cli.py; no
    module name starts with an underscore (docs/plugins.md, "Every built-in plugin folder")."""
    import ast

    for package in sorted(p for p in (ROOT / "plugins").iterdir() if (p / "__init__.py").exists()):
        tree = ast.parse((package / "__init__.py").read_text())
        for node in tree.body:
            assert not isinstance(node, ast.ClassDef), f"{package.name}/__init__.py defines class {node.name}"
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names = {getattr(d, "id", getattr(d, "attr", "")) for d in node.decorator_list}
                assert "hookimpl" in names, f"{package.name}/__init__.py: {node.name} is not a hook"
                if node.name == "register_commands":
                    imported = {n.module for n in ast.walk(node) if isinstance(n, ast.ImportFrom)}
                    assert imported == {"cli"}, f"{package.name}: commands come from cli.py, not {imported}"
        hidden = [p.name for p in package.glob("*.py") if p.name.startswith("_") and p.name != "__init__.py"]
        assert not hidden, f"{package.name}: {hidden}"
