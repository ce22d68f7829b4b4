"""Rig preflight: `python -m keybench.rigs doctor` on every rig file in rigs/, its exit codes and wording, and the same
check at the start of a pytest run."""
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from support import ROOT, run_pytest, write_rig
from keybench.rigs.__main__ import main
from keybench.rigs.doctor import Verdict

RIG_FILES = sorted((ROOT / "rigs").glob("*.toml"))
WORDING = {
    Verdict.READY: "READY: rig",
    Verdict.BENCH_BROKEN: "BENCH BROKEN (the bench, not a test, failed):",
    Verdict.NOT_INSTALLED: "NOT INSTALLED here (tests on this rig are skipped, not failed):",
}


def doctor(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "keybench.rigs", "doctor", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env=env)


def renode_installed() -> bool:
    from keybench.rigs.config import RigUnavailable
    from keybench.rigs.renode.locate import find_renode
    try:
        find_renode()
        return True
    except RigUnavailable:
        return False


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def expected_verdict(name: str) -> Verdict | None:
    """What this machine should give; None: any verdict but a bad rig file (it depends on installed tools)."""
    if name == "sim":
        return Verdict.READY
    if name == "sim-tcp" and not listening(47321):
        return Verdict.BENCH_BROKEN
    if name == "renode-stm32f4" and not renode_installed():
        return Verdict.NOT_INSTALLED
    return None


@pytest.mark.parametrize("rig_file", RIG_FILES, ids=lambda p: p.stem)
def test_doctor_reaches_every_shipped_rig_or_says_why_not(rig_file):
    result = doctor("--rig", rig_file.stem)
    verdict = Verdict(result.returncode)
    assert verdict != Verdict.BAD_RIG_FILE, result.stdout
    expected = expected_verdict(rig_file.stem)
    assert expected is None or verdict == expected, result.stdout + result.stderr
    assert WORDING[verdict] in result.stdout, result.stdout
    if verdict == Verdict.READY:
        assert "serial imKey01191200001, firmware 1.5.08" in result.stdout
    if rig_file.stem == "renode-stm32f4" and verdict == Verdict.NOT_INSTALLED:
        for words in ("portable Linux package", ".deb/.rpm", "antmicro/renode Docker image", "RENODE=/path/to/renode"):
            assert words in result.stdout


def test_doctor_without_arguments_checks_the_sim_rig():
    result = doctor()
    assert result.returncode == 0 and "READY: rig 'sim'" in result.stdout


def test_a_wrong_firmware_version_is_a_broken_bench(tmp_path):
    rig = tmp_path / "old.toml"
    rig.write_text('target = "sim"\ncapabilities = ["debug_link", "factory_erase"]\nfirmware_version = "1.4.00"\n')
    result = doctor("--rig", str(rig))
    assert result.returncode == Verdict.BENCH_BROKEN
    assert "the device runs firmware 1.5.08, the rig file expects 1.4.00" in result.stdout


def test_a_bad_rig_file_and_the_worst_verdict_wins(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('target = "sim"\nphysical = "maybe"\n')
    assert main(["doctor", "--rig", "sim", "--rig", str(bad)]) == Verdict.BAD_RIG_FILE
    assert "rig file not usable: " in capsys.readouterr().out


def test_a_pytest_run_checks_the_device_once_and_stops_as_a_bench_failure(tmp_path):
    rig = tmp_path / "old.toml"
    rig.write_text('name = "old"\ntarget = "sim"\ncapabilities = ["debug_link", "factory_erase"]\n'
                   'firmware_version = "1.4.00"\n')
    result = run_pytest("features/pairing", "--rig", str(rig), "-q")
    assert result.returncode == 3
    out = result.stdout + result.stderr
    assert "rig 'old' is not usable (the bench, not a test, failed)" in out
    assert "the device runs firmware 1.5.08, the rig file expects 1.4.00" in out
    assert not re.search(r"\d+ (passed|failed)", out)  # stopped before any scenario ran


def test_a_serial_rig_without_its_server_is_broken_not_failed(tmp_path):
    rig = write_rig(tmp_path, "nobody", "serial", ["debug_link"], {"url": "socket://127.0.0.1:9", "open_timeout": 0.3})
    result = doctor("--rig", str(rig))
    assert result.returncode == Verdict.BENCH_BROKEN and "cannot open socket://127.0.0.1:9" in result.stdout


def test_renode_missing_is_not_installed_even_when_other_checks_would_fail(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "RENODE"}
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if not (Path(p) / "renode").exists())
    rig = write_rig(tmp_path, "r", "renode", [], {"elf": "no/such.elf", "build": "never"})
    result = doctor("--rig", str(rig), env=env)
    assert result.returncode == Verdict.NOT_INSTALLED, result.stdout
