"""The shape of the package: layers, no import cycle, imports at the top of modules.

The layers contract is in tests/importlinter.ini (docs/architecture.md draws it)."""

import ast
from pathlib import Path

import grimp
from importlinter.cli import EXIT_STATUS_SUCCESS, lint_imports

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "tests" / "importlinter.ini"
ENTRY_POINTS = {"app", "app.cli", "app.demo", "app.backup"}


def _graph():
    return grimp.build_graph("app", cache_dir=None)


def test_import_contracts_are_kept(capsys):
    # No cache: the repository's top level gets no cache directory.
    status = lint_imports(config_filename=str(CONFIG), no_cache=True, no_logo=True)
    output = capsys.readouterr().out
    assert status == EXIT_STATUS_SUCCESS, output


def _cycles(graph):
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    edges = {m: sorted(graph.find_modules_directly_imported_by(m) & graph.modules)
             for m in graph.modules}

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in edges[module]:
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycle():
    # A package's __init__ importing its own modules is not a cycle unless they import it back.
    assert _cycles(_graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    graph = grimp.ImportGraph()
    for a, b in [("x.a", "x.b"), ("x.b", "x.c"), ("x.c", "x.a"), ("x.c", "x.d")]:
        graph.add_import(importer=a, imported=b)
    assert _cycles(graph) == [["x.a", "x.b", "x.c"]]


def test_no_layer_imports_the_app_package_itself():
    # ``from app import create_app`` loads the whole web layer from below: no contract can
    # forbid it, since every module sits inside ``app``.
    graph = _graph()
    offenders = {module for module in graph.modules - ENTRY_POINTS - {"app.extensions"}
                 if "app" in graph.find_modules_directly_imported_by(module)}
    assert not offenders


def _imports_inside_functions(path):
    lines = path.read_text().split("\n")
    tree = ast.parse("\n".join(lines))
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                yield node, lines


def _explained(node, lines):
    """A comment on the import's line, or on the lines just above it (over other imports)."""
    if "#" in lines[node.lineno - 1]:
        return True
    row = node.lineno - 2
    while row >= 0:
        text = lines[row].strip()
        if text.startswith("#"):
            return True
        if not (text.startswith(("from ", "import ")) or text.endswith((",", "(")) or text == ")"
                or text == ""):
            return False
        row -= 1
    return False


def test_imports_inside_functions_say_why():
    # An import inside a function hides a dependency (and used to hide cycles): only where a
    # comment says why (an optional or heavy library loaded when first needed).
    unexplained = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in sorted((ROOT / "app").rglob("*.py")) if "migrations" not in path.parts
        for node, lines in _imports_inside_functions(path) if not _explained(node, lines)
    ]
    assert unexplained == []
