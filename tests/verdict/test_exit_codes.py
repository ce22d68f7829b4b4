"""From the outside: every way a run can go wrong ends with one clear line and its own exit code (steps/verdict.py).

Each test runs pytest in a subprocess, as a user would, and asserts the exit code, the line and the brevity.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap


from support import ROOT, write_rig

ALL = ["debug_link", "power_cut", "power_cycle", "factory_erase", "destructive"]


def pytest_run(*args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:randomly", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})})


def output(result: subprocess.CompletedProcess) -> str:
    return result.stdout + result.stderr


def test_an_unknown_rig_is_one_usage_error_with_exit_2():
    result = pytest_run("features", "--rig", "nonexistent", "-q")
    assert result.returncode == 2, output(result)[-2000:]
    assert "keybench: bad rig file: no rig file 'nonexistent'" in output(result)
    assert "sim-tcp" in output(result)  # it names the rigs there are
    assert len(output(result).splitlines()) <= 5, output(result)


def test_a_rig_file_with_a_wrong_type_is_one_usage_error_naming_file_key_and_value(tmp_path):
    path = tmp_path / "typo.toml"
    path.write_text('target = "sim"\nseed = "one"\n')
    result = pytest_run("features/pin", "--rig", str(path), "-q")
    assert result.returncode == 2, output(result)[-2000:]
    assert f"keybench: bad rig file: {path}: seed: Input should be a valid integer, got 'one'" in output(result)
    assert "Traceback" not in output(result) and len(output(result).splitlines()) <= 5


def test_a_bad_setting_is_caught_before_anything_starts(tmp_path):
    path = write_rig(tmp_path, "slowpoke", "qemu", ALL, {"ready_timeout": "fast"})
    result = pytest_run("features/pin", "--rig", str(path), "-q")
    assert result.returncode == 2, output(result)[-2000:]
    assert "settings.ready_timeout: Input should be a valid number, got 'fast'" in output(result)


def test_the_rig_variable_does_not_touch_unit_tests_that_use_no_rig():
    result = pytest_run("tests/test_apdu.py", "-q", env={"KEYBENCH_RIG": "nonexistent"})
    assert result.returncode == 0, output(result)[-2000:]
    assert " passed" in result.stdout and "error" not in result.stdout


def test_a_rig_whose_tool_is_missing_ends_the_run_with_exit_4_and_the_hint(tmp_path):
    path = write_rig(tmp_path, "no-qemu", "qemu", ALL, {"qemu": "qemu-system-nowhere"})
    result = pytest_run("features/pin", "--rig", str(path), "-q")
    assert result.returncode == 4, output(result)[-2000:]
    assert "keybench: rig" in output(result) and "cannot run here: qemu-system-nowhere not found" in output(result)
    assert "python -m keybench.rigs doctor --rig" in output(result)
    assert len(output(result).splitlines()) <= 5, output(result)


def test_allow_missing_rig_turns_it_into_skips_that_name_the_tool(tmp_path):
    path = write_rig(tmp_path, "no-qemu", "qemu", ALL, {"qemu": "qemu-system-nowhere"})
    result = pytest_run("features/pin", "--rig", str(path), "-q", "-rs", "--allow-missing-rig")
    assert result.returncode == 0, output(result)[-2000:]
    assert re.search(r"\d+ skipped in", result.stdout) and "passed" not in result.stdout
    assert "rig 'no-qemu' is not available here: qemu-system-nowhere not found" in result.stdout


def test_a_run_in_which_nothing_ran_exits_5_and_says_why(tmp_path):
    path = write_rig(tmp_path, "no-power", "sim", ["debug_link", "factory_erase", "destructive"], {})
    result = pytest_run("features/pin", "--rig", str(path), "-q", "-k", "power")
    assert result.returncode == 5, output(result)[-2000:]
    said = re.search(r"keybench: 0 of (\d+) scenarios ran on rig 'no-power': (\d+) lack capability power_cut; "
                     r"(\d+) lack capability power_cycle; (\d+) deselected by -k/-m \(exit 5", result.stdout)
    assert said, result.stdout
    total, cut, cycle, deselected = map(int, said.groups())
    assert total == cut + cycle + deselected and cut and cycle and deselected
    accepted = pytest_run("features/pin", "--rig", str(path), "-q", "-k", "power", "--allow-nothing-ran")
    assert accepted.returncode == 0, output(accepted)[-2000:]


def test_a_selection_that_matches_nothing_exits_5_and_says_so():
    result = pytest_run("features/pin", "-q", "-k", "no_such_scenario")
    assert result.returncode == 5
    said = re.search(r"keybench: 0 of (\d+) scenarios ran on rig 'sim': (\d+) deselected by -k/-m", result.stdout)
    assert said and said.group(1) == said.group(2), result.stdout


KILLER = '''
import os, signal, time

def pytest_runtest_call(item):
    """Kill the simulator server while the third scenario runs: a bench that dies mid-run."""
    global seen
    seen = globals().get("seen", 0) + 1
    if seen == 3:
        os.kill(int(os.environ["KB_SERVER_PID"]), signal.SIGKILL)
        time.sleep(0.3)
'''


def test_a_bench_that_dies_mid_run_stops_it_with_exit_3_and_one_line(tmp_path, simulator_process):
    proc, port = simulator_process
    (tmp_path / "kb_killer.py").write_text(textwrap.dedent(KILLER))
    rig = write_rig(tmp_path, "doomed", "serial", ALL, {"url": f"socket://127.0.0.1:{port}"})
    result = pytest_run("features/pin", "--rig", str(rig), "-q", "-p", "kb_killer",
                        env={"KB_SERVER_PID": str(proc.pid), "PYTHONPATH": str(tmp_path)})
    assert result.returncode == 3, output(result)[-3000:]
    assert "2 passed, 1 bench error" in result.stdout  # the third scenario is the bench's, not a failure
    verdicts = [line for line in result.stdout.splitlines() if line.startswith("keybench:")]
    assert len(verdicts) == 1 and verdicts[0].startswith(
        f"keybench: the bench of rig 'doomed' broke: serial target at socket://127.0.0.1:{port}: ")
    assert "failed" not in result.stdout.split("keybench:")[0]  # no product failure is claimed
    assert len(output(result).splitlines()) <= 8, output(result)


def test_under_xdist_a_bad_rig_is_still_one_line_and_exit_2():
    result = pytest_run("features/pin", "-n", "2", "--rig", "nonexistent", "-q")
    assert result.returncode == 2, output(result)[-2000:]
    verdicts = [line for line in result.stdout.splitlines() if line.startswith("keybench:")]
    assert verdicts == [verdicts[0]] and verdicts[0].startswith("keybench: bad rig file: no rig file 'nonexistent'")
    assert "Traceback" not in output(result) and len(output(result).splitlines()) <= 8, output(result)


QEMU_CRASH = '''
def pytest_runtest_call(item):
    """QEMU dies while the second scenario runs (as if it crashed): the bench, not the firmware, failed."""
    global seen
    seen = globals().get("seen", 0) + 1
    if seen == 2:
        target = item.config.pluginmanager.get_plugin("keybench-run").bench.target
        target.proc.kill()
        target.proc.wait(timeout=10)
'''


def test_an_emulator_that_exits_mid_run_is_a_bench_error_with_exit_3(tmp_path):
    (tmp_path / "kb_qemu_crash.py").write_text(textwrap.dedent(QEMU_CRASH))
    result = pytest_run("features/pin", "--rig", "qemu-stm32f4", "-q", "-p", "kb_qemu_crash",
                        env={"PYTHONPATH": str(tmp_path)})
    assert result.returncode == 3, output(result)[-3000:]
    assert "1 passed, 1 bench error" in result.stdout
    verdicts = [line for line in result.stdout.splitlines() if line.startswith("keybench:")]
    assert len(verdicts) == 1 and "qemu target of rig 'qemu-stm32f4'" in verdicts[0], result.stdout
    assert "QEMU exited with code -9" in verdicts[0]
