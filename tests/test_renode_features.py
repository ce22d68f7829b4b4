"""The feature suites on the renode rig: skipped with the install hint where Renode is absent, and passing
through the renode target's code when the fake Renode (tests/fakes/renode.py) runs the host build of the
firmware behind its UART terminal (a pause kills it: RAM lost, storage file kept, like a Renode power cut)."""
import os
import re
import subprocess
import sys
from pathlib import Path


from support import ROOT, fake_renode


HINT = "the portable Linux package"


def pytest_run(*args: str, env: dict, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env=env)


def collected_count() -> int:
    out = pytest_run("features", "--collect-only", "-q", env=dict(os.environ)).stdout
    return int(re.search(r"(\d+) tests? collected", out).group(1))


def without_renode() -> dict:
    env = {k: v for k, v in os.environ.items() if k != "RENODE"}
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep)
                                  if not (Path(p) / "renode").exists())
    return env


def test_without_renode_the_run_ends_with_exit_4_and_the_install_hint():
    result = pytest_run("features", "--rig", "renode-stm32f4", "-q", env=without_renode())
    assert result.returncode == 4, result.stdout[-3000:] + result.stderr[-2000:]
    assert "keybench: rig 'renode-stm32f4' cannot run here: Renode not found" in result.stdout
    assert HINT in result.stdout and len(result.stdout.strip().splitlines()) <= 3


def test_with_allow_missing_rig_every_scenario_is_skipped_with_the_install_hint(tmp_path):
    result = pytest_run("features", "--rig", "renode-stm32f4", "-q", "-rs", "--allow-missing-rig",
                        env=without_renode())
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert re.search(rf"\b{collected_count()} skipped\b", result.stdout.splitlines()[-1]), result.stdout[-500:]
    reasons = set(re.findall(r"SKIPPED \[\d+\] .*?: (.*)", result.stdout))
    assert len(reasons) == 1, reasons
    (reason,) = reasons
    assert reason.startswith("rig 'renode-stm32f4' is not available here: Renode not found")
    assert HINT in reason and "RENODE=/path/to/renode" in reason


def test_the_feature_suites_pass_through_the_renode_target(tmp_path):
    exe, device = fake_renode(tmp_path)
    env = dict(os.environ, RENODE=str(exe), FAKE_RENODE_DEVICE=str(device),
               FAKE_RENODE_LOG=str(tmp_path / "calls.jsonl"))
    result = pytest_run("features", "--rig", "renode-stm32f4", "-q", env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    last = result.stdout.splitlines()[-1]
    assert re.search(rf"\b{collected_count()} passed\b", last) and "skipped" not in last, last
    calls = (tmp_path / "calls.jsonl").read_text()
    assert '"ExecuteCommand: sysbus.sram ZeroAll"' in calls  # power cycles and cuts went through Renode
    assert calls.rstrip().endswith('{"call": "stop_remote_server"}')
