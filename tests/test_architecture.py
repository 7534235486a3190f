"""The project's modules import each other without cycles, and never from inside a function to dodge one.

Read from the source with ast, as written: a cycle between two modules means one cannot be
understood (or imported) without the other, and an import inside a function body is how a cycle
is usually hidden. The one exception is an AppConfig's ready(), where Django wants app modules
that need the loaded models imported.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("commitments", "reviews", "ogptracker", "api", "follow")


def project_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


MODULES = project_modules()


def _package_of(name: str, path: Path) -> str:
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def imported(name: str, node) -> list[str]:
    """The project modules an import statement of module `name` names."""
    if isinstance(node, ast.Import):
        targets = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:  # relative: from the package of `name`, one level up per extra dot
            package = _package_of(name, MODULES[name]).split(".")
            base = ".".join([*package[:len(package) - node.level + 1], *([base] if base else [])])
        # `from package import module` names the module; `from module import name`, the module.
        targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                   for alias in node.names]
    return sorted({target for target in targets if target in MODULES and target not in PACKAGES})


def import_graph() -> dict[str, set[str]]:
    graph = {}
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        graph[name] = {target for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)
                       for target in imported(name, node) if target != name}
    return graph


def cycles(graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_walk_sees_the_imports_it_must():
    graph = import_graph()
    assert "commitments.models" in graph["reviews.models"]
    assert "commitments.ogp.columns" in graph["commitments.ogp.writing"]
    assert "commitments.stored" in graph["commitments.ogp.writing"]  # from .. import services, stored
    assert "commitments.freshness.saves" in graph["commitments.ogp.writing"]  # from ..freshness import saves


def test_no_import_cycle_between_the_projects_modules():
    assert cycles(import_graph()) == []


def test_cycles_are_found_when_there_are_some():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_inside_a_function_but_in_an_app_configs_ready():
    inside = []
    for name, path in MODULES.items():
        if ".migrations." in name:
            continue
        for function in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if name.endswith(".apps") and function.name == "ready":
                continue
            inside += [f"{name}.{function.name}:{node.lineno}" for node in ast.walk(function)
                       if isinstance(node, ast.Import | ast.ImportFrom)]
    assert inside == []


def test_no_view_module_imports_another():
    graph = import_graph()
    views = {name for name in graph if name.startswith("commitments.views.")}
    assert {(name, target) for name in views for target in graph[name] if target in views} == set()


# Writes that send no signals, so no step of commitments/freshness/saves.py runs for them.
BULK_WRITES = {"bulk_create", "bulk_update", "bulk_create_with_history", "bulk_update_with_history"}
# Modules that write in bulk outside bulk_write(), and why that is right.
BULK_WITHOUT_BULK_WRITE = {
    "commitments.stored": "writes the derived search text itself: one of bulk_write's own steps",
    "commitments.services": "commitments_import, called by the importer inside its bulk_write()",
}


def test_every_module_that_writes_in_bulk_goes_through_bulk_write():
    """A bulk writer that forgot the refresh would leave stored values and cached counts stale:
    each one runs its writes in freshness.saves.bulk_write(), which refreshes and moves every token."""
    forgetful = []
    for name, path in MODULES.items():
        if ".migrations." in name or name in BULK_WITHOUT_BULK_WRITE or name == "commitments.freshness.saves":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        called = {node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                  for node in ast.walk(tree) if isinstance(node, ast.Call)}
        if called & BULK_WRITES and "bulk_write" not in called:
            forgetful.append(name)
    assert forgetful == []
    assert {"commitments.ogp.writing", "commitments.demo.generator"} <= {
        name for name, path in MODULES.items() if "bulk_write" in path.read_text(encoding="utf-8")}


@pytest.mark.django_db
def test_every_model_change_has_its_migration():
    """A field changed without its migration works on the test database (made from the models by
    the migrations' state only where they exist) and breaks the production one."""
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit:
        pytest.fail(f"models changed without a migration:\n{out.getvalue()}")
