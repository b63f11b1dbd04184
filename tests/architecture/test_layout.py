"""The house rules that import-linter cannot state: no import cycles between modules, every
module of bot/ in a role package, no module too long to read, and Slack called only from
bot/slack."""

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "jobs", "models")
KERNEL = {"__init__.py", "settings.py", "db.py", "errors.py"}
MAX_MODULE_LINES = 400
# A migration is a record of what the schema became at one step: it is never split or edited.
MIGRATIONS = ROOT / "models" / "migrations" / "versions"
# Code that may call Slack's Web API: the seam itself, and the demo's fake workspace.
SLACK_CALLERS = (ROOT / "bot" / "slack", ROOT / "bot" / "demo")
WEB_API_METHOD = re.compile(r"^(chat|views|files|conversations|users|auth|reactions|pins|team)_")


def _python_files(*folders: str) -> Iterator[Path]:
    for folder in folders:
        yield from (ROOT / folder).rglob("*.py")


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in graph.modules:
                continue
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


def test_no_import_cycle_between_first_party_modules() -> None:
    graph = grimp.build_graph(*PACKAGES)
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for module in ("a", "b", "c"):
        graph.add_module(module)
    graph.add_import(importer="a", imported="b")
    graph.add_import(importer="b", imported="c")
    graph.add_import(importer="c", imported="a")
    assert _cycles(graph) == [["a", "b", "c"]]


def test_bot_holds_only_the_shared_kernel_beside_its_role_packages() -> None:
    loose = {path.name for path in (ROOT / "bot").glob("*.py")} - KERNEL
    assert loose == set()


def test_no_module_is_longer_than_a_reader_can_hold() -> None:
    long = {
        str(path.relative_to(ROOT)): lines
        for path in _python_files(*PACKAGES, "tests", "benchmarks")
        if not path.is_relative_to(MIGRATIONS)
        and (lines := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def _slack_calls(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Attribute) and WEB_API_METHOD.match(node.func.attr):
            yield f"{path.relative_to(ROOT)}:{node.lineno} {node.func.attr}"
        if isinstance(node.func, ast.Name) and node.func.id == "respond":
            yield f"{path.relative_to(ROOT)}:{node.lineno} respond"


def test_only_bot_slack_calls_the_web_api_or_a_response_url() -> None:
    calls = [
        call
        for path in _python_files(*PACKAGES)
        if not any(path.is_relative_to(folder) for folder in SLACK_CALLERS)
        for call in _slack_calls(path)
    ]
    assert calls == []
