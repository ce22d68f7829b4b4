"""The board target without a board: its serial path against the host build of the firmware behind socket://,
flasher command lines, and flashing through USB re-enumeration with a scripted fake tool (tests/fakes/flasher.py)
that makes a fake port vanish and come back."""
import json
import stat
import sys
import time
from pathlib import Path

import pytest

from support import ROOT
from fakes.hostboard import board_rig
from keybench.protocol import imkey
from keybench.rigs.bench import Bench
from keybench.rigs.board import flashers
from keybench.rigs.config import RigError, RigUnavailable, load_rig
from keybench.rigs.doctor import check_device
from keybench.rigs.operator import install_prompt
from keybench.rigs.targets.board import BoardTarget

FAKE_FLASHER = ROOT / "tests" / "fakes" / "flasher.py"
ELF = "firmware/build/stm32f4/keybench.elf"


@pytest.fixture
def fake_tool(tmp_path, monkeypatch):
    """An executable that is the fake flasher; the fake USB port exists at first."""
    exe = tmp_path / "fake-flasher"
    exe.write_text(f"#!/bin/sh\nexec {sys.executable} {FAKE_FLASHER} \"$@\"\n")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    port = tmp_path / "usb-STMicroelectronics_STM32_STLink-if02"
    port.touch()
    monkeypatch.setenv("FAKE_FLASHER_DIR", str(tmp_path))
    monkeypatch.setenv("FAKE_FLASHER_PORT", str(port))
    return exe, port, tmp_path / "calls.jsonl"


def test_flasher_command_lines():
    img, elf = Path("/b/kb.bin"), Path("/b/kb.elf")
    F = flashers.FLASHERS
    assert flashers.command(F["stm32loader"], "stm32loader", img, port="/dev/serial/by-id/x", extra=("-s",)) == [
        "stm32loader", "-p", "/dev/serial/by-id/x", "-b", "115200", "-f", "F4", "-s", "-e", "-w", "-v",
        "-g", "0x08000000", "/b/kb.bin"]
    assert flashers.command(F["openocd"], "openocd", elf, probe="066DFF") == [
        "openocd", "-f", "board/stm32f4discovery.cfg", "-c", "adapter serial 066DFF",
        "-c", "program /b/kb.elf verify reset exit"]
    assert flashers.command(F["pyocd"], "pyocd", elf, probe="066DFF") == [
        "pyocd", "flash", "-t", "stm32f407vg", "-u", "066DFF", "/b/kb.elf"]
    assert flashers.command(F["st-flash"], "st-flash", img) == [
        "st-flash", "--reset", "write", "/b/kb.bin", "0x08000000"]
    assert [f.name for f in F.values() if f.wipes_storage] == ["stm32loader", "st-flash"]
    with pytest.raises(RigError, match="unknown flasher 'jlink'"):
        flashers.flasher("jlink")


def test_flashing_retries_through_usb_reenumeration_then_serves(tmp_path, monkeypatch, fake_tool, host_device):
    exe, port, calls = fake_tool
    monkeypatch.setenv("FAKE_FLASHER_FAILS", "1")  # the first run loses the USB device mid-way
    rig = load_rig(str(board_rig(tmp_path, {"port": host_device.url, "usb_path": str(port), "flasher": "openocd",
                                            "flasher_path": str(exe), "firmware": ELF, "build": "never",
                                            "reenumerate_timeout": 10.0})))
    bench = Bench.open(rig)
    try:
        runs = [json.loads(line) for line in calls.read_text().splitlines()]
        assert len(runs) == 2
        assert runs[1]["port_present"]  # the retry waited for the port to come back
        assert runs[1]["argv"] == ["-f", "board/stm32f4discovery.cfg",
                                   "-c", f"program {ROOT / ELF} verify reset exit"]
        assert port.exists()  # and the target waited for it after flashing, before opening the serial port
        info = check_device(bench)
        assert (info.serial, info.firmware_version) == ("imKey01191200001", "1.5.08")
    finally:
        bench.close()


def test_binary_tools_get_a_raw_image(tmp_path, monkeypatch, fake_tool, host_device):
    exe, port, calls = fake_tool
    rig = load_rig(str(board_rig(tmp_path, {"port": host_device.url, "usb_path": str(port), "flasher": "st-flash",
                                            "flasher_path": str(exe), "firmware": ELF, "build": "never",
                                            "probe": "066DFF"})))
    target = BoardTarget(rig)
    try:
        target.start()
    finally:
        target.stop()
    (run,) = [json.loads(line) for line in calls.read_text().splitlines()]
    assert run["argv"][:4] == ["--serial", "066DFF", "--reset", "write"] and run["argv"][-1] == "0x08000000"
    assert run["argv"][4].endswith("/keybench.bin")


def test_a_port_that_never_comes_back_is_a_bench_failure(tmp_path, monkeypatch, fake_tool):
    exe, port, _ = fake_tool
    monkeypatch.setenv("FAKE_FLASHER_REAPPEAR", "never")
    rig = load_rig(str(board_rig(tmp_path, {"port": "socket://127.0.0.1:9", "usb_path": str(port),
                                            "flasher": "pyocd", "flasher_path": str(exe), "firmware": ELF,
                                            "build": "never", "reenumerate_timeout": 0.5})))
    with pytest.raises(RigError, match=r"USB port .* did not come back within \d+ s"):
        BoardTarget(rig).start()


def test_a_hung_flasher_is_killed_at_its_timeout_and_retried(tmp_path, monkeypatch, fake_tool):
    exe, port, _ = fake_tool
    monkeypatch.setenv("FAKE_FLASHER_HANG", "30")
    rig = load_rig(str(board_rig(tmp_path, {"port": "socket://127.0.0.1:9", "usb_path": str(port),
                                            "flasher": "openocd", "flasher_path": str(exe), "firmware": ELF,
                                            "build": "never", "flash_timeout": 0.5, "flash_attempts": 2})))
    t0 = time.monotonic()
    with pytest.raises(RigError, match=r"flashing with openocd failed 2 times \(timed out\)"):
        BoardTarget(rig).start()
    assert time.monotonic() - t0 < 10


def test_missing_tools_are_not_installed_with_a_hint(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    rig = load_rig(str(board_rig(tmp_path, {"port": "rfc2217://bench:4000", "flasher": "pyocd"})))
    with pytest.raises(RigUnavailable, match="pyocd not found.*pip install pyocd"):
        BoardTarget(rig).check_tools()
    rig = load_rig(str(board_rig(tmp_path, {"port": "rfc2217://bench:4000",
                                            "power_command": ["uhubctl", "-a", "cycle"]})))
    with pytest.raises(RigUnavailable, match="apt-get install uhubctl"):
        BoardTarget(rig).start()


def test_tty_names_that_change_on_reenumeration_are_refused(tmp_path):
    rig = load_rig(str(board_rig(tmp_path, {"port": "/dev/ttyACM0"})))
    with pytest.raises(RigError, match="/dev/serial/by-id/"):
        BoardTarget(rig)


def test_power_command_switches_the_board_and_the_port_is_reopened(tmp_path, monkeypatch, fake_tool, host_device):
    exe, port, calls = fake_tool  # the fake also serves as a power switch: the port vanishes and comes back
    rig = load_rig(str(board_rig(tmp_path, {"port": host_device.url, "usb_path": str(port),
                                            "power_command": [str(exe), "-a", "cycle"]})))
    bench = Bench.open(rig)
    try:
        old = bench.target.port._port
        bench.power_cycle()
        assert [json.loads(line)["argv"] for line in calls.read_text().splitlines()] == [["-a", "cycle"]]
        assert bench.target.port._port is not old and port.exists()
        assert bench.link.apdu_ok(imkey.SERIAL_NUMBER) == b"imKey01191200001"
    finally:
        bench.close()


def test_the_operator_power_cycles_a_board_without_a_power_command(tmp_path, host_device):
    asked = []
    previous = install_prompt(lambda request: asked.append(request) or "")
    rig = load_rig(str(board_rig(tmp_path, {"port": host_device.url, "power_by_operator": True})))
    bench = Bench.open(rig)
    try:
        bench.power_cycle()
        assert [(r.kind, r.rig) for r in asked] == [("power_cycle", "test-board")]
        assert "off" in asked[0].text and bench.link.apdu_ok(imkey.LIFECYCLE)
    finally:
        bench.close()
        install_prompt(previous)
