"""The import graph of the project's own code: layers point downwards and modules form no cycle;
and every flow module has a test file named after it that imports it.

Layers, bottom to top: `audit` ← `ratelimits` ← `accounts` ← `magiclinks` ← {`supabase_api`,
`webhooks`} (the last two side by side: neither imports the other). A module may import its own
app and the apps below it. The `config` package is beneath them all
as far as imports go: apps use its helpers (parsers, log redaction, the HTTP error registry), so
none of those imports an app; only `config.urls`, the root URLconf, names the apps' URL modules.

Every import counts, including those inside functions: a lazy import hides a cycle from the
interpreter, not from the reader. Run as a script (`python -m tests.test_layering`) to print the
graph's summary.
"""

import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["audit", "ratelimits", "accounts", "magiclinks", "supabase_api", "webhooks"]
# Level of each app; apps on the same level may not import each other.
LEVEL = {
    "audit": 0,
    "ratelimits": 1,
    "accounts": 2,
    "magiclinks": 3,
    "supabase_api": 4,
    "webhooks": 4,
}
PACKAGES = ["config", *LAYERS]
# The root URLconf mounts every app's URLs; it is the top of the graph, not a helper. The
# settings read the legacy variables of the table of limits (ratelimits.table names them).
# config.ops_views (/metrics) reads the apps' backlogs at scrape time.
CONFIG_MAY_IMPORT_APPS = {"config.urls", "config.settings", "config.ops_views"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                modules[_module_name(path)] = path
    return modules


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def import_graph() -> dict[str, set[str]]:
    """module → the project modules it imports (anywhere in its body)."""
    modules = project_modules()
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(name, is_package, node)
                # `from package import module` imports the module; `from module import name`
                # imports the module that defines the name.
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                    for alias in node.names
                ]
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
        graph.setdefault(name, set())
    return dict(graph)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
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

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _app(module: str) -> str:
    return module.split(".", 1)[0]


def layering_violations(graph: dict[str, set[str]]) -> list[str]:
    violations = []
    for module, targets in sorted(graph.items()):
        for target in sorted(targets):
            source_app, target_app = _app(module), _app(target)
            if source_app == "config":
                if target_app != "config" and module not in CONFIG_MAY_IMPORT_APPS:
                    violations.append(f"{module} → {target} (config helpers import no app)")
            elif target_app in LEVEL and source_app != target_app:
                if LEVEL[target_app] > LEVEL[source_app]:
                    violations.append(f"{module} → {target} ({source_app} is below {target_app})")
                elif LEVEL[target_app] == LEVEL[source_app]:
                    violations.append(f"{module} → {target} ({source_app} beside {target_app})")
    return violations


def test_the_graph_covers_the_project():
    graph = import_graph()
    assert {"audit.recorder", "accounts.models", "magiclinks.flows.issue", "config.urls"} <= set(
        graph
    )
    # The walker sees relative and function-level imports (the kinds that hide cycles).
    assert "magiclinks.flows.issue" in graph["magiclinks.flows.partner_link"]
    assert "magiclinks.receivers" in graph["magiclinks.apps"]
    # The limits are counted by one module, below every app that counts them.
    assert "ratelimits.counting" in graph["magiclinks.partner_api.base"]
    assert "ratelimits.counting" in graph["supabase_api.views.verify"]
    assert "audit.recorder" in graph["webhooks.apps"]


def test_apps_side_by_side_do_not_import_each_other():
    graph = {"webhooks.sink": {"supabase_api.flows.errors"}}
    assert layering_violations(graph) == [
        "webhooks.sink → supabase_api.flows.errors (webhooks beside supabase_api)"
    ]


def test_imports_point_down_the_layers():
    assert layering_violations(import_graph()) == []


def test_no_module_cycles():
    assert cycles(import_graph()) == []


# Each app's use cases and the file that tests each one (one test file per flow module).
FLOW_PACKAGES = {"magiclinks": "test_flows_{}.py", "supabase_api": "test_supabase_api_flows_{}.py"}


def _imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_every_flow_module_has_its_test_file_that_imports_it():
    missing = []
    for app, test_name in FLOW_PACKAGES.items():
        for path in sorted((ROOT / app / "flows").glob("*.py")):
            module = path.stem
            if module == "__init__":
                continue
            test_file = ROOT / "tests" / test_name.format(module)
            dotted = f"{app}.flows.{module}"
            if not test_file.exists() or dotted not in _imported_modules(test_file):
                missing.append(f"tests/{test_file.name} importing {dotted}")
    assert missing == []


if __name__ == "__main__":
    graph = import_graph()
    edges = sum(len(targets) for targets in graph.values())
    print(f"{len(graph)} modules, {edges} import edges in {', '.join(PACKAGES)}")
    found = cycles(graph)
    print(f"cycles: {len(found)}")
    for component in found:
        print("  " + " ↔ ".join(component))
    violations = layering_violations(graph)
    print(f"layering violations: {len(violations)}")
    for violation in violations:
        print("  " + violation)
