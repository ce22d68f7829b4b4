"""Every shell command in the README runs as written (issue 11): the ones that can run here are run, through bash
with the virtualenv activated as the README says; each one that cannot is listed in NOT_RUN with the reason, and
a command added to the README that is in neither fails here, so none slips through unrun and unlisted.

A command is a line of an indented code block, or an inline `code` span, that starts with pytest, python,
keybench, bash or scripts/ (a trailing `# comment` is not part of it).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from support import ROOT, read_line, stop

README = ROOT / "README.md"
ACTIVATE = "source .venv/bin/activate"  # what the README asks for, once per shell
COMMAND = re.compile(r"(pytest|python|keybench|bash) \S|scripts/\S")
TIMEOUT_S = 900

NOT_RUN = {
    "scripts/run-all-tests": "every test of the repository, minutes long: it is the run that runs this test",
    "bash .ci/run": "CI's entry point, which is scripts/run-all-tests",
    "pytest features --rig qemu-stm32f4": "the firmware under QEMU, minutes long and built by make -C firmware "
                                          "first; tests/test_board_on_qemu.py runs the suites on it",
    "pytest features --rig path/to/bench.toml": "a placeholder for the reader's own bench file",
    "pytest features --rig path/to/lab.toml -n 4": "a placeholder for the reader's own lab; tests/lab runs the "
                                                   "suites through a real labgrid coordinator and exporter",
    "pytest features --rig <bench>": "a placeholder for the reader's own BLE bench",
    "python benchmarks/bench.py": "a benchmark: a minute of printing figures, nothing passes or fails",
    "scripts/fuzz-campaign": "the long fuzzing campaign, half an hour by default; tests/fuzz runs its short form",
}
# Commands that serve until stopped: started first, asked for their first line, stopped after the module.
SERVERS = {"keybench sim serve --tcp 127.0.0.1:47321 --seed 1"}
NEEDS_SERVER = {"scripts/run-features --rig sim-tcp", "pytest features --rig sim-tcp"}
# Renode is not packaged here: without it the README promises exit 4 and the doctor's hint.
WITHOUT_RENODE = {"python -m keybench.rigs doctor --rig renode-stm32f4", "pytest features --rig renode-stm32f4"}
# Commands that write a tracked file: it must be what the repository already holds.
WRITES = {"keybench steps --markdown -o docs/steps.md": "docs/steps.md"}


def readme_commands(text: str) -> list[str]:
    found: list[str] = []
    for line in text.splitlines():
        candidates = [line[4:]] if line.startswith("    ") and not line.startswith("     ") else []
        candidates += re.findall(r"`([^`]+)`", line)
        for candidate in candidates:
            command = re.sub(r"\s+# .*$", "", candidate).strip()
            if COMMAND.match(command) and command not in found:
                found.append(command)
    return found


COMMANDS = readme_commands(README.read_text(encoding="utf-8"))
RUN = [command for command in COMMANDS if command not in NOT_RUN and command not in SERVERS]


def shell(command: str, **kwargs):
    return [shutil.which("bash") or "/bin/bash", "-c", f"{ACTIVATE} && {command}"], dict(cwd=ROOT, text=True, **kwargs)


def expected_exit(command: str) -> int:
    renode = shutil.which("renode") or os.environ.get("RENODE")
    return 4 if command in WITHOUT_RENODE and not renode else 0


def test_the_readme_commands_are_found():
    assert "scripts/run-features" in COMMANDS and "keybench rigs" in COMMANDS and len(COMMANDS) > 15, COMMANDS


def test_every_command_is_run_or_listed_with_a_reason():
    listed = set(NOT_RUN) | SERVERS | NEEDS_SERVER | WITHOUT_RENODE | set(WRITES)
    stale = sorted(listed - set(COMMANDS))
    assert not stale, f"listed here but no longer in the README: {stale}"
    assert set(COMMANDS) == set(RUN) | set(NOT_RUN) | SERVERS


def test_the_readme_says_to_activate_the_virtualenv():
    assert f"`{ACTIVATE}`" in README.read_text(encoding="utf-8")
    assert (ROOT / ".venv" / "bin" / "activate").is_file(), "no .venv: scripts/run-features creates it"


@pytest.fixture(scope="module")
def servers():
    running = []
    try:
        for command in sorted(SERVERS):
            args, options = shell(f"exec {command}")
            proc = subprocess.Popen(args, stdout=subprocess.PIPE, **options)
            running.append(proc)
            line = read_line(proc.stdout, timeout=60)
            assert line.startswith("listening on "), f"{command!r} said {line!r} first"
        yield
    finally:
        for proc in running:
            stop(proc)


@pytest.mark.parametrize("command", RUN)
def test_a_readme_command_runs_as_written(command, request):
    if command in NEEDS_SERVER:
        request.getfixturevalue("servers")
    written = ROOT / WRITES[command] if command in WRITES else None
    before = written.read_bytes() if written else None
    args, options = shell(command)
    result = subprocess.run(args, capture_output=True, timeout=TIMEOUT_S, **options)
    assert result.returncode == expected_exit(command), \
        f"{command!r} exited {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    if written:
        assert written.read_bytes() == before, f"{command!r} changed {WRITES[command]}: it was stale (commit it)"
