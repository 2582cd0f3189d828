"""No import cycles anywhere in ``chat_desktop`` (docs/architecture.md, "Layers").

A cycle makes the import order decide which module sees the other half-initialised, and it
ties modules together so neither can be understood, tested or moved alone. The check builds
the import graph with grimp (import-linter's graph library) and counts every import
statement: those under ``if TYPE_CHECKING:`` and those deferred into a function for the
start-up time (``tests/unit/test_start_imports.py``) are edges too, because they tie the
modules together just the same. A cycle is broken at its root (the shared piece moves to the
module it belongs to, or a callback gets a Protocol type), never by hiding an import.

On failure every cycle is named, modules in order (``a → b → a``), with the line of each
import, so the message says what to break. The finder itself is tested on planted packages.
"""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Iterable, Mapping
from pathlib import Path

import grimp
import pytest

pytestmark = pytest.mark.unit

#: The package that must stay acyclic.
PACKAGE = "chat_desktop"


def build_graph(package: str) -> grimp.ImportGraph:
    """The import graph of ``package``: every import, TYPE_CHECKING and deferred ones too.

    ``cache_dir=None`` so the check writes nothing into the checkout.
    """
    return grimp.build_graph(package, exclude_type_checking_imports=False, cache_dir=None)


def _imports_of(graph: grimp.ImportGraph) -> dict[str, list[str]]:
    """Each module's directly imported modules inside the graph, sorted (a stable report)."""
    return {
        module: sorted(graph.find_modules_directly_imported_by(module))
        for module in sorted(graph.modules)
    }


def strongly_connected_components(imports: Mapping[str, list[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components of the graph ``imports`` (iterative).

    Returns:
        Each component with a cycle in it (two modules or more, or one importing itself), its
        modules sorted; components sorted by their first module.
    """
    index: dict[str, int] = {}
    lowlink: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for root in imports:
        if root in index:
            continue
        index[root] = lowlink[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work: list[tuple[str, Iterable[str]]] = [(root, iter(imports.get(root, [])))]
        while work:
            module, pending = work[-1]
            descended = False
            for imported in pending:
                if imported not in index:
                    index[imported] = lowlink[imported] = len(index)
                    stack.append(imported)
                    on_stack.add(imported)
                    work.append((imported, iter(imports.get(imported, []))))
                    descended = True
                    break
                if imported in on_stack:
                    lowlink[module] = min(lowlink[module], index[imported])
            if descended:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                lowlink[parent] = min(lowlink[parent], lowlink[module])
            if lowlink[module] == index[module]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == module:
                        break
                if len(component) > 1 or module in imports.get(module, []):
                    components.append(sorted(component))
    return sorted(components)


def _shortest_cycle_through(
    start: str, members: set[str], imports: Mapping[str, list[str]]
) -> list[str]:
    """The shortest cycle ``start → … → start`` inside one strongly connected component."""
    previous: dict[str, str] = {}
    frontier = [start]
    seen = {start}
    while frontier:
        following: list[str] = []
        for module in frontier:
            for imported in imports.get(module, []):
                if imported == start:
                    path = [module]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [*reversed(path), start]
                if imported in members and imported not in seen:
                    seen.add(imported)
                    previous[imported] = module
                    following.append(imported)
        frontier = following
    raise AssertionError(f"{start} is on no cycle of its component")  # not a component then


def find_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Names the import cycles of ``graph``.

    Every module on a cycle is named in at least one: per strongly connected component, the
    shortest cycle through its first module not yet named, until all of its modules are.
    (All elementary cycles of a large knot can be exponentially many; these say where it is.)

    Returns:
        Cycles as module lists that start and end with the same module (``[a, b, a]``).
    """
    imports = _imports_of(graph)
    cycles: list[list[str]] = []
    for component in strongly_connected_components(imports):
        members = set(component)
        named: set[str] = set()
        for module in component:
            if module not in named:
                cycle = _shortest_cycle_through(module, members, imports)
                cycles.append(cycle)
                named.update(cycle)
    return cycles


def describe_cycles(graph: grimp.ImportGraph, cycles: list[list[str]]) -> str:
    """The failure message: each cycle in order, then where each of its imports is."""
    lines = [f"{len(cycles)} import cycle(s); break each at its root:"]
    for cycle in cycles:
        lines.append("  " + " → ".join(cycle))
        for importer, imported in itertools.pairwise(cycle):
            details = graph.get_import_details(importer=importer, imported=imported)
            where = ", ".join(f"line {detail['line_number']}" for detail in details)
            lines.append(f"      {importer} imports {imported} at {where or '?'}")
    return "\n".join(lines)


def test_chat_desktop_has_no_import_cycle() -> None:
    graph = build_graph(PACKAGE)
    assert len(graph.modules) > 100  # the whole package was read, not an empty graph
    cycles = find_cycles(graph)
    assert not cycles, describe_cycles(graph, cycles)


# ---- the finder itself, on planted packages ---------------------------------------------------


def _plant(root: Path, package: str, modules: Mapping[str, str]) -> None:
    """Writes ``package`` under ``root``: an empty ``__init__`` and ``modules`` (name → code)."""
    folder = root / package
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    for name, code in modules.items():
        (folder / f"{name}.py").write_text(textwrap.dedent(code))


@pytest.fixture
def planted_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder on ``sys.path`` (only for this test) to plant packages in."""
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_a_planted_two_module_cycle_is_named_in_order(planted_root: Path) -> None:
    _plant(
        planted_root,
        "planted_pair",
        {
            "alpha": "from planted_pair import beta\n",
            "beta": "import planted_pair.alpha\n",
        },
    )
    graph = build_graph("planted_pair")

    cycles = find_cycles(graph)

    assert cycles == [["planted_pair.alpha", "planted_pair.beta", "planted_pair.alpha"]]
    message = describe_cycles(graph, cycles)
    assert "planted_pair.alpha → planted_pair.beta → planted_pair.alpha" in message
    assert "planted_pair.alpha imports planted_pair.beta at line 1" in message


def test_type_checking_and_function_level_imports_count(planted_root: Path) -> None:
    """Hiding one side of a cycle under TYPE_CHECKING or in a function does not hide it."""
    _plant(
        planted_root,
        "planted_hidden",
        {
            "window": """
                from typing import TYPE_CHECKING

                if TYPE_CHECKING:
                    from planted_hidden.center import Center
            """,
            "center": """
                def open_window() -> object:
                    from planted_hidden.window import TYPE_CHECKING

                    return TYPE_CHECKING
            """,
        },
    )

    cycles = find_cycles(build_graph("planted_hidden"))

    assert cycles == [["planted_hidden.center", "planted_hidden.window", "planted_hidden.center"]]


def test_every_module_of_a_knot_is_named_and_acyclic_parts_are_not(planted_root: Path) -> None:
    """A knot of three modules (two cycles through ``a``) beside an acyclic chain."""
    _plant(
        planted_root,
        "planted_knot",
        {
            "a": "import planted_knot.b\nimport planted_knot.c\n",
            "b": "import planted_knot.a\n",
            "c": "import planted_knot.a\nimport planted_knot.leaf\n",
            "top": "import planted_knot.a\nimport planted_knot.leaf\n",
            "leaf": "",
        },
    )

    cycles = find_cycles(build_graph("planted_knot"))

    assert cycles == [
        ["planted_knot.a", "planted_knot.b", "planted_knot.a"],
        ["planted_knot.c", "planted_knot.a", "planted_knot.c"],
    ]


def test_an_acyclic_package_has_no_cycle(planted_root: Path) -> None:
    _plant(
        planted_root,
        "planted_chain",
        {
            "low": "",
            "middle": "import planted_chain.low\n",
            "high": "from planted_chain import middle\n",
        },
    )

    assert find_cycles(build_graph("planted_chain")) == []


def test_a_module_importing_itself_is_a_cycle() -> None:
    assert strongly_connected_components({"m": ["m"], "n": ["m"]}) == [["m"]]
