"""keybench's packages are imported only as `keybench.<package>`: the repository's top-level folders are the
installed namespace's packages, and a bare `import rigs` would load a second copy of a module (two registries,
two classes of the same name) and collide with a QA repo's own steps/ package."""
from __future__ import annotations

import ast
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {"protocol", "simulator", "rigs", "steps"}


def bare_imports(source: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found += [(node.lineno, name) for name in names if name.split(".")[0] in PACKAGES]
    return found


def test_no_file_imports_a_keybench_package_by_its_folder_name():
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "*.py"], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.split()
    slips = [f"{name}:{line}: import {module}" for name in files
             for line, module in bare_imports((ROOT / name).read_text())]
    assert slips == [], "import these as keybench.<package>:\n" + "\n".join(slips)


def test_the_check_finds_a_bare_import():
    assert bare_imports("import rigs.link\nfrom steps import flows\nfrom keybench.rigs import bench\n") == [
        (1, "rigs.link"), (2, "steps")]
