"""Repository contracts: CI runs the README's test command; layering holds."""

import ast
from pathlib import Path

ROOT = Path(__file__).parent.parent


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line.startswith("python3 -m venv")]


def test_ci_runs_exactly_the_readme_test_command():
    commands = _readme_commands()
    test_commands = [c for c in commands if c.endswith("python -m pytest -q")]
    assert len(test_commands) == 1
    ci_lines = [line.strip() for line in (ROOT / ".ci/run").read_text().splitlines()]
    assert test_commands[0] in ci_lines


def test_readme_main_job_uses_the_same_setup_as_the_tests():
    commands = _readme_commands()
    assert len(commands) == 2
    setup = " && ".join(commands[0].split(" && ")[:4])
    assert commands[1].startswith(setup)
    assert "pip install torch==2.13.0" in setup


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_layering_leo_envs_never_imports_agents_or_baselines():
    for path in (ROOT / "leo_envs").rglob("*.py"):
        assert not _imports(path) & {"agents", "baselines"}, path


def test_layering_baselines_never_import_agents_and_models_never_gymnasium():
    for path in (ROOT / "baselines").rglob("*.py"):
        assert "agents" not in _imports(path), path
    for path in (ROOT / "leo_envs" / "models").rglob("*.py"):
        assert "gymnasium" not in _imports(path), path
