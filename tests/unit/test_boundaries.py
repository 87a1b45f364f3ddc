"""core/ must never import streamlit: the UI is a thin layer over it."""

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "core"


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
    {"core.ingest"},
    {"core.represent", "core.testing"},
    {"core.segment"},
    {"core.explain", "core.search"},
    {"core.recommend"},
    {"core.parameters", "core.pipeline"},
    {"core.runs"},
    {"core.distributed"},
    {"core.tasks"},
    {"core.cli", "core.__main__", "core"},
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
