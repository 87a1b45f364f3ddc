"""core/ must never import streamlit: the UI is a thin layer over it; core's packages import only their own
layer and those below, without cycles; the command line and the app reach core only through its public API."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "core"


def test_core_never_imports_streamlit():
    offenders = []
    for path in CORE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "streamlit"]
    assert offenders == []


# Packages of core/ from low to high: a module may import its own layer and those below, never above.
LAYERS = [
    {"core.errors", "core.schema", "core.progress", "core.versions"},
    {"core.storage"},
    {"core.auth"},  # sign-in list, throttling, audit log: files and hashes, nothing of the pipeline
    {"core.ingest"},
    {"core.represent"},
    {"core.segment"},
    {"core.explain", "core.search"},
    {"core.recommend"},
    {"core.parameters", "core.pipeline"},
    {"core.runs"},
    {"core.distributed"},
    {"core.tasks"},
    {"core.testing"},  # test support (the fake embedder, planted data): offered by the command line alone
    {"core.cli", "core.__main__", "core", "core.runs.users"},  # core.runs.users: the old entry point of `users`
]


def _module(path: Path) -> str:
    parts = path.relative_to(CORE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The core modules ``path`` imports, at module level or inside functions, except under TYPE_CHECKING."""

    def resolve(name: str) -> str | None:
        parts = name.split(".")
        return next((".".join(parts[:i]) for i in range(len(parts), 0, -1) if ".".join(parts[:i]) in modules), None)

    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(r for a in node.names if (r := resolve(a.name)))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "core":
            for a in node.names:  # "from core.x import y" may name the module core.x.y
                target = resolve(f"{node.module}.{a.name}") or resolve(node.module)
                if target:
                    found.add(target)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text()))
    return found - {_module(path)}


def _graph() -> dict[str, set[str]]:
    paths = {_module(p): p for p in CORE.rglob("*.py")}
    return {name: _imports(path, set(paths)) for name, path in paths.items()}


def _layer(module: str) -> int:
    best = max((i for i, layer in enumerate(LAYERS) for prefix in layer
                if module == prefix or (prefix != "core" and module.startswith(prefix + "."))), default=None)
    assert best is not None, f"{module} is in no layer of LAYERS; add its package there"
    return best


def test_low_level_modules_never_import_high_level_ones():
    upward = [f"{a} (layer {_layer(a)}) imports {b} (layer {_layer(b)})"
              for a, targets in _graph().items() for b in targets if _layer(b) > _layer(a)]
    assert upward == []


def test_no_import_cycle_inside_core():
    graph, cycles, state = _graph(), [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(" -> ".join(path[path.index(nxt):] + [node, nxt]) if nxt in path else f"{node} -> {nxt}")
            elif nxt not in state:
                visit(nxt, path + [node])
        state[node] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [])
    assert cycles == []


# What the adapters (core/cli/, ui/, pages/, app.py) may import from core: the use cases, the public API in
# core/__init__.py, and these leaf modules of plain declarations (the error family, the parameter schema and the
# parameters, the progress callback's type) and the sign-in package (its users, throttle and audit are its API).
# The command line's own modules import each other, and it registers the tests' fake embedder (core.testing).
PUBLIC = {"core", "core.errors", "core.schema", "core.parameters", "core.progress", "core.auth.users",
          "core.auth.throttle", "core.auth.audit"}


def _allowed(target: str, importer: str) -> bool:
    return (target in PUBLIC or target == "core.tasks" or target.startswith("core.tasks.")
            or (importer.startswith("core.cli") and target.startswith(("core.cli", "core.testing"))))


def adapter_violations(source: str, importer: str) -> list[str]:
    """The core modules that the adapter module ``importer`` (its dotted name), whose text is ``source``,
    imports besides :data:`PUBLIC` and ``core.tasks`` (at module level or inside functions)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # "from core import tasks" names a module of the public API; "from core.runs import store" does not
            targets = [node.module] if node.module != "core" else [
                f"core.{a.name}" if (CORE / a.name).is_dir() or (CORE / f"{a.name}.py").exists() else "core"
                for a in node.names]
        else:
            continue
        found += [t for t in targets if t.split(".")[0] == "core" and not _allowed(t, importer)]
    return sorted(set(found))


def _adapters() -> dict[str, Path]:
    paths = [*(CORE / "cli").rglob("*.py"), *(ROOT / "ui").rglob("*.py"), *(ROOT / "pages").rglob("*.py"),
             ROOT / "app.py"]
    return {".".join(p.relative_to(ROOT).with_suffix("").parts): p for p in paths}


def test_the_command_line_and_the_app_import_core_only_through_tasks_and_the_public_api():
    bad = {name: found for name, path in _adapters().items() if (found := adapter_violations(path.read_text(), name))}
    assert bad == {}


def test_a_planted_import_past_the_public_api_is_found():
    planted = "from core import load_table, tasks\nfrom core.pipeline import run_segmentation\n" \
              "def later():\n    import core.runs.store\n    from core.runs import curate\n"
    assert adapter_violations(planted, "ui.planted") == ["core.pipeline", "core.runs", "core.runs.store"]
    fine = "from core import SavedRun, tasks\nfrom core.tasks.lookalike import find_lookalikes\n" \
           "from core.errors import CoreError\nfrom core.cli.options import summary\n"
    assert adapter_violations(fine, "core.cli.planted") == []
    assert adapter_violations("from core.cli.options import summary", "ui.planted") == ["core.cli.options"]
