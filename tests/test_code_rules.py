"""The code rules CI enforces, each with the field's tool, run from this environment on this checkout.

- the layering (protocol < simulator; protocol < rigs < steps < keybench; steps never reach the simulator):
  import-linter, contracts in pyproject.toml [tool.importlinter];
- ruff, rules in pyproject.toml [tool.ruff];
- every third-party module the code imports is a declared dependency, test-only ones in the `test` extra: deptry,
  settings in pyproject.toml [tool.deptry];
- nothing reads the workspace's shared folder beside the checkout at run time (a user's clone has none).

The tools come with `pip install -e '.[test]'` (scripts/setup.sh). Each tool also gets one seeded slip in a copy
of the code, so these tests are seen to fail when the rule is broken.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sysconfig
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
# The import name of each top-level folder (keybench.protocol = protocol/, ...): setuptools' package-dir.
PACKAGE_DIRS: dict[str, str] = PYPROJECT["tool"]["setuptools"]["package-dir"]
TOOL_TIMEOUT_S = 300  # generous: a busy CI machine; each tool takes a second or two when idle


def tool(name: str) -> str:
    """The command-line tool installed beside this interpreter (the venv's bin/), never another one on PATH."""
    path = Path(sysconfig.get_path("scripts")) / name
    if not path.is_file():
        pytest.fail(f"{name} is not installed in this environment ({path.parent}): "
                    f"run `pip install -e '.[test]'` (scripts/setup.sh does)")
    return str(path)


def run(args: list[str], cwd: Path = ROOT) -> subprocess.CompletedProcess:
    # PYTHONPATH: the modules analysed are this checkout's (or the copy's), even when the venv's editable install
    # points at another clone. COLUMNS: import-linter does not wrap contract names mid-line.
    env = {**os.environ, "PYTHONPATH": str(cwd), "COLUMNS": "300", "NO_COLOR": "1"}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=TOOL_TIMEOUT_S)


def output(result: subprocess.CompletedProcess) -> str:
    return (result.stdout + result.stderr).strip()


# The layering
def installed_layout(dest: Path) -> Path:
    """The packages as they install (keybench/protocol/ from protocol/, ...; pyproject's package-dir), copied into
    dest: import-linter reads a package's modules from its folder, and the checkout's folders are not nested."""
    for package, folder in sorted(PACKAGE_DIRS.items(), key=lambda item: item[0].count(".")):
        shutil.copytree(ROOT / folder, dest / package.replace(".", "/"), dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def installed_path(layout: Path, repo_path: str) -> Path:
    """Where a file of the checkout (rigs/link.py) is in the installed layout (keybench/rigs/link.py)."""
    folder, rest = repo_path.split("/", 1)
    package = next(package for package, source in PACKAGE_DIRS.items() if source == folder)
    return layout / package.replace(".", "/") / rest


def lint_imports(layout: Path) -> subprocess.CompletedProcess:
    return run([tool("lint-imports"), "--no-cache", "--config", str(ROOT / "pyproject.toml")], layout)


def test_the_layers_hold(tmp_path):
    result = lint_imports(installed_layout(tmp_path))
    assert result.returncode == 0 and " KEPT" in result.stdout, (
        f"a layering contract is broken (pyproject.toml [tool.importlinter]):\n{output(result)}")


# One slip per contract, each seeded into a copy of the packages: (file, import added, contract it breaks).
SLIPS = [
    ("protocol/framing.py", "import keybench.rigs.link", "protocol/ is the wire format"),
    ("simulator/ble_robot.py", "from keybench.rigs.operator import install_prompt", "simulator/ is the device"),
    ("steps/context.py", "import keybench.rigs.targets.sim", "steps/ never import the simulator"),  # indirectly
    ("rigs/config.py", "import keybench.steps.phrases", "rigs/ never import steps/"),
    ("steps/phrases.py", "import keybench.cli", "keybench/ is the command on top"),
    ("rigs/link.py", "import keybench.simulator.device", "the host side reaches the simulator only through"),
    ("rigs/app/keyfile.py", "import keybench.rigs.hands", "the phone app (rigs/app/) sees the device only through"),
]


def test_every_layering_contract_catches_its_slip(tmp_path):
    layout = installed_layout(tmp_path)
    for path, line, _ in SLIPS:
        with open(installed_path(layout, path), "a") as f:
            f.write(f"\n{line}  # a seeded slip\n")
    result = lint_imports(layout)
    assert result.returncode != 0, f"import-linter passed code with layering slips:\n{output(result)}"
    broken = set(re.findall(r"^(.+) BROKEN(?: \(.*\))?$", result.stdout, flags=re.MULTILINE))
    for path, line, contract in SLIPS:
        assert any(name.startswith(contract) for name in broken), (
            f"`{line}` in {path} did not break the contract {contract!r}; broken: {sorted(broken)}\n"
            f"{output(result)}")


# ruff
def test_ruff_finds_nothing():
    result = run([tool("ruff"), "check", "--no-cache", "--output-format", "concise", "."])
    assert result.returncode == 0, f"ruff (pyproject.toml [tool.ruff]) reports:\n{output(result)}"


def test_ruff_reports_a_slip(tmp_path):
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    (tmp_path / "slip.py").write_text("import os\n\n\ndef f(x=[]):\n    return x\n")
    result = run([tool("ruff"), "check", "--no-cache", "--output-format", "concise", "."], tmp_path)
    assert result.returncode == 1 and "F401" in result.stdout and "B006" in result.stdout, output(result)


# Declared dependencies
def local_modules() -> list[str]:
    """Modules imported by file name from folders pytest or a script puts on sys.path (not distributions)."""
    names = {"tests"}
    for folder in (ROOT / "tests", ROOT / "firmware" / "tools", ROOT / "benchmarks"):
        for path in folder.rglob("*.py"):
            names.add(path.stem)
            names.update(parent.name for parent in path.parents if folder in parent.parents)
    return sorted(names)


def deptry(*args: str, config: Path = ROOT / "pyproject.toml") -> subprocess.CompletedProcess:
    first_party = [arg for name in local_modules() for arg in ("--known-first-party", name)]
    return run([tool("deptry"), ".", "--no-ansi", "--config", str(config), *first_party, *args])


def test_the_code_imports_only_declared_dependencies():
    """protocol/, simulator/, rigs/, steps/, features/, tools: every import from [project] dependencies, none from
    the `test` extra, and no declared dependency unused (deptry's default scan leaves out tests/)."""
    result = deptry()
    assert result.returncode == 0, (
        f"an import is not a declared dependency, or a declared one is unused (pyproject.toml [project], "
        f"[tool.deptry]):\n{output(result)}")


def test_the_tests_import_only_declared_dependencies():
    """tests/ may also use the `test` extra (DEP004 off); unused dependencies are the test above's business."""
    result = deptry("--exclude", r"\.venv|venv|\.direnv|\.git|build", "--ignore", "DEP002,DEP004")
    assert result.returncode == 0, (
        f"a test imports a module that is neither a dependency nor in the `test` extra (pyproject.toml):\n"
        f"{output(result)}")


def test_an_undeclared_dependency_is_caught(tmp_path):
    """rigs/app/keystore.py imports Crypto (pycryptodome): without the declaration, deptry says so."""
    pyproject = (ROOT / "pyproject.toml").read_text()
    without = re.sub(r'^\s*"pycryptodome[^"]*",\n', "", pyproject, flags=re.MULTILINE)
    assert without != pyproject, "pyproject.toml no longer declares pycryptodome: update this test"
    (tmp_path / "pyproject.toml").write_text(without)
    result = deptry(config=tmp_path / "pyproject.toml")
    assert result.returncode == 1 and "'Crypto'" in output(result), output(result)


# Nothing reads the shared folder beside the checkout at run time
SHARED = ("shared/" + "reference", "../" + "shared")  # split, so this file does not match itself
PROVENANCE_NOTES = (":(exclude)docs/*.md", ":(exclude)tests/vectors/README*")  # where a vector came from


def test_no_tracked_file_reads_the_shared_folder():
    if not (ROOT / ".git").exists():
        pytest.fail(f"{ROOT} is not a git checkout: this test reads the tracked files with `git grep`")
    for needle in SHARED:
        result = subprocess.run(["git", "grep", "-n", "-F", "-e", needle, "--", ".", *PROVENANCE_NOTES], cwd=ROOT,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode in (0, 1), f"git grep failed: {output(result)}"
        assert result.returncode == 1, (
            f"tracked files name {needle!r}: a user's clone has no shared folder beside it; copy what is needed "
            f"into the repo (tests/vectors/) and name its public source:\n{result.stdout}")
