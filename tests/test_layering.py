"""The house's layering, checked on the import graph of the source tree (DESIGN.md):

- ``leo_envs.models`` imports neither gymnasium nor ``leo_envs.envs`` (pure physics);
- ``leo_envs.envs.<X>`` never imports ``leo_envs.envs.<Y>`` (``common`` is shared);
- ``leo_envs`` never imports ``agents`` or ``baselines``; ``baselines`` never ``agents``;
- ``leo_envs`` imports torch only lazily, for optional features (TensorBoard);
- no import cycles between modules (counting module-level imports only).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
PACKAGES = ("leo_envs", "agents", "baselines")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")[: -node.level] if node.level else []
    return ".".join([*base, node.module] if node.module else base)


def _imports(path: Path, top_level_only: bool) -> set[str]:
    """Absolute names of the modules ``path`` imports (``from a import b`` gives a.b and a)."""
    module = _module_name(path)
    if path.name == "__init__.py":
        module += ".__init__"
    tree = ast.parse(path.read_text())
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, node)
            names.add(target)
            names.update(f"{target}.{alias.name}" for alias in node.names)
        elif top_level_only and isinstance(node, ast.If):  # e.g. TYPE_CHECKING blocks: skip
            continue
    return names


SOURCES = {
    _module_name(path): path for package in PACKAGES for path in (ROOT / package).rglob("*.py")
}


def _family(module: str) -> str | None:
    parts = module.split(".")
    if parts[:2] == ["leo_envs", "envs"] and len(parts) > 2 and parts[2] != "common":
        return parts[2]
    return None


@pytest.mark.parametrize("module", sorted(SOURCES))
def test_module_respects_the_layers(module):
    imported = _imports(SOURCES[module], top_level_only=False)
    top = {name.split(".")[0] for name in imported}
    at_import = {name.split(".")[0] for name in _imports(SOURCES[module], top_level_only=True)}
    if module.startswith("leo_envs"):
        assert not top & {"agents", "baselines"}, imported
        assert "torch" not in at_import, "leo_envs may use torch only lazily (optional)"
    if module.startswith("baselines"):
        assert "agents" not in top, imported
    if module.startswith("leo_envs.models"):
        assert "gymnasium" not in top, imported
        assert not any(name.startswith("leo_envs.envs") for name in imported), imported
    family = _family(module)
    if family:
        others = {_family(name) for name in imported} - {None, family}
        assert not others, f"{module} imports another env family: {others}"


def test_no_import_cycles_between_modules():
    graph = {}
    for module, path in SOURCES.items():
        targets = set()
        for name in _imports(path, top_level_only=True):
            while name and name not in SOURCES:
                name = name.rpartition(".")[0]
            if name and name != module:
                targets.add(name)
        graph[module] = targets
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1 and not _is_package_parent(nxt, node):
                cycle = [*stack[stack.index(nxt) :], nxt]
                raise AssertionError(f"import cycle: {' -> '.join(cycle)}")
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)


def _is_package_parent(package: str, module: str) -> bool:
    """A package's ``__init__`` importing its own submodules is not a cycle."""
    return module.startswith(package + ".")
