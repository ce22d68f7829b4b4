"""The labgrid target against a real labgrid-coordinator and labgrid-exporter on loopback: the seed flows through
places reserved by filter (two at a time with -n 2), a held place, a dead exporter, Ctrl-C and SIGTERM, the
guard rail. Every test ends with no place locked and no process running (the fixtures check it)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from support import ROOT, read_line, run_pytest

SUITES = ("features/pairing", "features/pin", "features/restore", "features/backup")


def test_the_seed_flows_pass_through_two_qemu_places_in_parallel(qemu_lab, tmp_path):
    rig = qemu_lab.rig(tmp_path, "lab-qemu", {"filter": "board=stm32f4 tag=imkey", "acquire_timeout": 60.0})
    before = len(qemu_lab.power.events)
    result = run_pytest(*SUITES, "--rig", str(rig), "-n", "2", "-q", timeout=600)
    summary = result.stdout.strip().splitlines()[-1]
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in summary and "skipped" not in summary, summary  # power_cycle scenarios ran too
    assert all(count >= 1 for count in qemu_lab.acquisitions().values()), qemu_lab.acquisitions()  # each worker a place
    switched = {index for index, _ in qemu_lab.power.events[before:]}
    assert switched == {0, 1}, qemu_lab.power.events[before:]  # power cycles went through each place's switch
    assert qemu_lab.holders() == {"qemu-a": "", "qemu-b": ""}


def test_the_doctor_reports_coordinator_places_holders_and_resources(qemu_lab, tmp_path):
    rig = qemu_lab.rig(tmp_path, "lab-qemu", {"filter": "board=stm32f4"})
    result = subprocess.run([sys.executable, "-m", "keybench.rigs", "doctor", "--rig", str(rig)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert f"coordinator {qemu_lab.address}: reachable" in out
    for place in ("qemu-a", "qemu-b"):
        assert f"place {place} (board=stm32f4 tag=imkey): free" in out, out
        assert f"resource bench1/{place}/NetworkSerialPort/NetworkSerialPort" in out, out
        assert f"resource bench1/{place}/NetworkPowerPort/NetworkPowerPort" in out, out
    assert "power_cycle" in out.split("capabilities from the places' resources:")[1].splitlines()[0]
    assert "serial imKey01191200001" in out and "READY" in out


def test_a_held_place_is_waited_for_then_refused_naming_its_holder(qemu_lab, tmp_path):
    qemu_lab.hold("qemu-a", "alice")
    try:
        rig = qemu_lab.rig(tmp_path, "lab-held", {"place": "qemu-a", "acquire_timeout": 3.0})
        started = time.monotonic()
        result = run_pytest("features/pairing/first_pairing.feature", "--rig", str(rig), "-q", timeout=120)
        waited = time.monotonic() - started
        assert result.returncode == 3, result.stdout[-3000:]
        assert "place 'qemu-a' is held by" in result.stdout and "/alice (since" in result.stdout, result.stdout
        assert "waited 3 s" in result.stdout
        assert waited >= 3.0
        assert qemu_lab.holders()["qemu-a"].endswith("/alice")  # alice's lock is hers still
    finally:
        qemu_lab.release("qemu-a", "alice")


def test_simulator_places_without_a_power_switch_skip_power_cycle_scenarios(sim_lab, tmp_path):
    rig = sim_lab.rig(tmp_path, "lab-sim", {"filter": "board=sim tag=imkey"})
    result = run_pytest(*SUITES, "--rig", str(rig), "-n", "2", "-q", "-rs", timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "rig 'lab-sim' lacks capability 'power_cycle'" in result.stdout  # no NetworkPowerPort in the places
    assert " passed" in result.stdout.strip().splitlines()[-1]
    assert all(count >= 1 for count in sim_lab.acquisitions().values()), sim_lab.acquisitions()
    assert sim_lab.holders() == {"sim-a": "", "sim-b": ""}


def _start_run(rig, *extra: str) -> subprocess.Popen:
    workers = () if "-n" in extra else ("-p", "no:xdist")
    return subprocess.Popen([sys.executable, "-m", "pytest", *SUITES, "--rig", str(rig), "-v", *workers, *extra],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)  # its own process group, as a terminal's foreground job


def _wait_for_a_pass(proc: subprocess.Popen, timeout: float = 60.0) -> list[str]:
    lines, deadline = [], time.monotonic() + timeout
    while not any(" PASSED" in line for line in lines):
        assert time.monotonic() < deadline and proc.poll() is None, "".join(lines)
        lines.append(read_line(proc.stdout, timeout=max(deadline - time.monotonic(), 0.1)))
    return lines


def test_an_exporter_killed_mid_run_is_a_bench_error_and_the_place_is_released(sim_lab, tmp_path):
    rig = sim_lab.rig(tmp_path, "lab-sim", {"place": "sim-a"})
    proc = _start_run(rig)
    try:
        _wait_for_a_pass(proc)
        assert sim_lab.holders()["sim-a"], "the run should hold its place"
        sim_lab.kill_exporter()
        out, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    assert proc.returncode == 3, out[-3000:]
    assert "BENCH ERROR" in out and "exporter bench1 stopped or lost the device" in out, out[-3000:]
    assert sim_lab.holders()["sim-a"] == ""


def test_ctrl_c_and_sigterm_release_the_place(sim_lab, tmp_path):
    rig = sim_lab.rig(tmp_path, "lab-sim", {"place": "sim-b"})
    for signum in (signal.SIGINT, signal.SIGTERM):
        proc = _start_run(rig)
        try:
            _wait_for_a_pass(proc)
            assert sim_lab.holders()["sim-b"], "the run should hold its place"
            proc.send_signal(signum)
            proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
        assert sim_lab.holders()["sim-b"] == "", f"{signal.Signals(signum).name} left the place locked"


def test_ctrl_c_on_a_parallel_run_releases_every_place(sim_lab, tmp_path):
    """A terminal's Ctrl-C reaches the whole process group: the controller and each xdist worker."""
    rig = sim_lab.rig(tmp_path, "lab-sim", {"filter": "board=sim"})
    proc = _start_run(rig, "-n", "2")
    try:
        _wait_for_a_pass(proc)
        assert all(sim_lab.holders().values()), "each worker should hold a place"
        os.killpg(proc.pid, signal.SIGINT)
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    assert sim_lab.holders() == {"sim-a": "", "sim-b": ""}


def test_a_place_whose_device_serial_is_not_allowed_is_never_wiped(sim_lab, tmp_path):
    rig = sim_lab.rig(tmp_path, "lab-sim", {"place": "sim-a"}, allowed="imKey00000000000")
    result = run_pytest("features/pin", "--rig", str(rig), "-q", "-rs", timeout=120)
    assert result.returncode == 5, result.stdout[-3000:]  # nothing ran, and the run says so
    assert "device serial 'imKey01191200001' is not in allowed_serials" in result.stdout
    assert sim_lab.holders()["sim-a"] == ""


def test_a_rig_naming_one_place_refuses_parallel_workers_and_takes_no_lock(sim_lab, tmp_path):
    rig = sim_lab.rig(tmp_path, "lab-sim", {"place": "sim-a"})
    result = run_pytest("features/pin", "--rig", str(rig), "-n", "2", "-q", timeout=120)
    assert result.returncode == 2, result.stdout[-3000:]
    assert "2 xdist workers would share it: run it without -n" in result.stdout
    assert sim_lab.holders() == {"sim-a": "", "sim-b": ""}


def test_a_filter_whose_places_are_all_held_waits_then_names_every_holder(sim_lab, tmp_path):
    sim_lab.hold("sim-a", "alice")
    sim_lab.hold("sim-b", "bob")
    try:
        rig = sim_lab.rig(tmp_path, "lab-busy", {"filter": "board=sim", "acquire_timeout": 2.0})
        result = subprocess.run([sys.executable, "-m", "keybench.rigs", "doctor", "--rig", str(rig)], cwd=ROOT,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 3, result.stdout + result.stderr
        line = next(x for x in result.stdout.splitlines() if "BENCH BROKEN" in x)
        assert "no place matching board=sim became free within 2 s" in line, line
        assert "sim-a held by " in line and "/alice (since" in line and "/bob (since" in line, line
    finally:
        sim_lab.release("sim-a", "alice")
        sim_lab.release("sim-b", "bob")
    assert sim_lab.holders() == {"sim-a": "", "sim-b": ""}
