"""Repository contracts: CI runs the README's test command; the README's claims hold;
layering holds."""

import json
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()


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


def test_setup_installs_the_rllib_extra_that_pyproject_declares():
    setup = " && ".join(_readme_commands()[0].split(" && ")[:4])
    extras = re.search(r'pip install -e "\.\[([a-z,]+)\]"', setup)
    assert extras and {"dev", "ray", "rllib"} <= set(extras.group(1).split(","))
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    optional = declared["optional-dependencies"]
    assert any(dep.startswith("dm-tree") for dep in optional["rllib"])  # `import ray.rllib`
    assert not any(dep.startswith("gymnasium") for dep in optional["rllib"])
    for tool in ("nbconvert", "ipywidgets", "pygame"):
        assert any(dep.startswith(tool) for dep in optional["dev"]), tool


def test_readme_documents_the_cpu_only_torch_install():
    # The pinned command pulls the CUDA build from PyPI's default index on a user's machine.
    assert "pip install torch --index-url https://download.pytorch.org/whl/cpu" in README


def test_files_the_readme_points_to_exist():
    for grid in re.findall(r"leo-bench sweep (\S+\.json)", README):
        path = ROOT / grid
        assert path.is_file(), grid
        json.loads(path.read_text())
    for path in re.findall(r"`((?:benchmarks|notebooks|examples)/[\w./-]+)`", README):
        assert (ROOT / path).exists(), path


def test_policy_entry_points_are_named_per_family():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = project["entry-points"]["leo_envs.policies"]
    assert names and all(re.fullmatch(r"[a-z_]+\.[a-z_0-9]+", n) for n in names), names
