"""The renode target against Renode's documented interface, without Renode: a fake robot server (an
xmlrpc.server in a thread, tests/fakes/renode.py) that records every keyword and monitor command."""
import os
import re
import socket
import stat
import sys
import tempfile
from pathlib import Path

import pytest

from support import ROOT, write_rig
from fakes.renode import FakeRenode, serve
from keybench.rigs.config import RigError, RigUnavailable, load_rig
from keybench.rigs.renode.locate import find_renode
from keybench.rigs.renode.robot import RobotClient, RobotError
from keybench.rigs.renode.session import VECTOR_TABLE, RenodeSession
from keybench.rigs.targets.renode import RenodeTarget

PLATFORM = ROOT / "rigs" / "renode" / "stm32f4_discovery.repl"
ELF = ROOT / "firmware" / "build" / "stm32f4" / "keybench.elf"
FAKE = ROOT / "tests" / "fakes" / "renode.py"
needs_elf = pytest.mark.skipif(not ELF.exists(), reason="make -C firmware stm32f4 first")


def expected_boot(uart_port: int) -> list[str]:
    return [
        "ResetEmulation",
        'ExecuteCommand: mach create "keybench"',
        f"ExecuteCommand: machine LoadPlatformDescription @{PLATFORM}",
        f"ExecuteCommand: sysbus LoadELF @{ELF}",
        f"ExecuteCommand: sysbus.cpu VectorTableOffset {VECTOR_TABLE}",
        f'ExecuteCommand: emulation CreateServerSocketTerminal {uart_port} "kbuart" false',
        "ExecuteCommand: connector Connect sysbus.usart2 kbuart",
        "StartEmulation",
    ]


POWER_CUT = ["ExecuteCommand: pause", "ExecuteCommand: sysbus.sram ZeroAll", "ExecuteCommand: machine Reset",
             f"ExecuteCommand: sysbus.cpu VectorTableOffset {VECTOR_TABLE}", "StartEmulation"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def robot():
    fake = FakeRenode()
    server = serve(fake)
    yield fake, RobotClient(server.server_address[1], timeout=10)
    server.shutdown()
    server.server_close()
    fake.shutdown()


@pytest.fixture
def fake_renode_exe(tmp_path, monkeypatch):
    """A `renode` executable that is the fake; RENODE points at it; its calls go to a JSON-lines log."""
    exe = tmp_path / "bin" / "renode"
    exe.parent.mkdir()
    exe.write_text(f"#!/bin/sh\nexec {sys.executable} {FAKE} \"$@\"\n")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    log = tmp_path / "renode-calls.jsonl"
    monkeypatch.setenv("RENODE", str(exe))
    monkeypatch.setenv("FAKE_RENODE_LOG", str(log))
    return exe, log


def logged(log: Path) -> tuple[list[dict], list[str]]:
    import json
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    return [e for e in entries if "argv" in e], [e["call"] for e in entries if "call" in e]


@needs_elf
def test_boot_and_power_cut_send_exactly_the_documented_commands(robot):
    fake, client = robot
    session = RenodeSession(client, PLATFORM, ELF)
    port = free_port()
    session.boot(port)
    assert fake.calls == expected_boot(port)
    fake.calls.clear()
    session.pause()
    session.power_cut_and_start()
    assert fake.calls == POWER_CUT


@needs_elf
def test_a_failing_keyword_carries_renodes_error_text(robot, tmp_path):
    fake, client = robot
    stock_like = tmp_path / "stm32f4.repl"  # what the stock platform does at load time
    svd = "\nsysbus:\n    init:\n        ApplySVD @https://example.org/x.svd.gz\n"
    stock_like.write_text(PLATFORM.read_text() + svd)
    with pytest.raises(RobotError, match="Could not fetch the SVD file"):
        RenodeSession(client, stock_like, ELF).boot(free_port())
    with pytest.raises(RobotError, match="Could not find peripheral sysbus.usart6"):
        client.command("connector Connect sysbus.usart6 kbuart")


def test_the_shipped_platform_has_what_the_firmware_uses_and_needs_no_network():
    text = PLATFORM.read_text()
    assert "http" not in text and "ApplySVD" not in text.replace("ApplySVD from a URL", "")
    assert re.search(r'^cpu: CPU\.CortexM @ sysbus\n\s+cpuType: "cortex-m4"', text, re.M)
    assert re.search(r"^flash: Memory\.MappedMemory @ sysbus 0x08000000\n\s+size: 0x100000", text, re.M)
    assert re.search(r"^flash_controller: MTD\.STM32F4_FlashController @ \{\s*sysbus 0x40023C00;", text, re.M)
    assert re.search(r"^sram: Memory\.MappedMemory @ sysbus 0x20000000", text, re.M)
    assert re.search(r"^usart2: UART\.STM32_UART @ sysbus <0x40004400, \+0x100>\n\s+-> nvic@38", text, re.M)
    assert re.search(r"^nvic: IRQControllers\.NVIC @ sysbus 0xE000E000", text, re.M)


def test_without_renode_the_target_is_unavailable_with_the_install_hint(monkeypatch, tmp_path):
    monkeypatch.delenv("RENODE", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing there
    with pytest.raises(RigUnavailable) as caught:
        find_renode()
    for words in ("portable", ".deb", "antmicro/renode", "RENODE=/path/to/renode"):
        assert words in str(caught.value)
    monkeypatch.setenv("RENODE", str(tmp_path / "nope"))
    with pytest.raises(RigUnavailable, match=r"\$RENODE is '.*nope', which is not an executable"):
        RenodeTarget(load_rig("renode-stm32f4")).start()


@needs_elf
def test_start_runs_renode_headless_with_a_private_tmpdir_and_stop_ends_it(fake_renode_exe):
    exe, log = fake_renode_exe
    target = RenodeTarget(load_rig("renode-stm32f4"))
    assert target.check_tools() == [f"renode: {exe.resolve()}"]
    transport = target.start()
    proc, workdir = target.process.proc, target.process.workdir
    (start,), calls = logged(log)
    argv = start["argv"]
    assert argv[0] == "--disable-xwt" and argv[1] == "--robot-server-port" and "--port" in argv
    assert argv[argv.index("--pid-file") + 1] == str(workdir / "emulator.pid")
    assert start["tmpdir"] == str(workdir) and Path(start["tmpdir"]).parent == Path(tempfile.gettempdir())
    assert not workdir.name.startswith("renode-")
    uart_port = int(transport.url.rsplit(":", 1)[1])
    assert calls == expected_boot(uart_port)
    target.stop()
    assert proc.poll() is not None and not workdir.exists()
    assert logged(log)[1][-1] == "stop_remote_server"
    target.stop()  # twice is harmless


def test_a_renode_that_dies_at_start_is_a_bench_failure_with_its_log(fake_renode_exe, monkeypatch):
    monkeypatch.setenv("FAKE_RENODE_CRASH", "1")
    target = RenodeTarget(load_rig("renode-stm32f4"))
    with pytest.raises(RigError, match=r"(?s)exited while starting.*cannot start \(FAKE_RENODE_CRASH\)"):
        target.start()
    assert target.process is None


def test_a_renode_that_never_answers_is_stopped_after_the_start_timeout(fake_renode_exe, tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_RENODE_START_DELAY", "30")
    rig = write_rig(tmp_path, "slow-renode", "renode", [], {"start_timeout": 1.0, "stop_timeout": 2.0})
    target = RenodeTarget(load_rig(str(rig)))
    with pytest.raises(RigError, match="did not answer within 1 s"):
        target.start()
    (start,), _ = logged(fake_renode_exe[1])
    with pytest.raises(ProcessLookupError):
        os.kill(start["pid"], 0)  # gone (the wrapper execs, so this pid is the fake's)


@needs_elf
def test_a_refused_command_at_start_is_a_bench_failure_and_renode_is_stopped(fake_renode_exe, tmp_path):
    stock_like = tmp_path / "stock.repl"
    stock_like.write_text(PLATFORM.read_text() + "\nsysbus:\n    init:\n        ApplySVD @https://example.org/x.svd\n")
    rig = write_rig(tmp_path, "stock-platform", "renode", [], {"platform": str(stock_like), "build": "never"})
    target = RenodeTarget(load_rig(str(rig)))
    with pytest.raises(RigError, match=r"renode target of rig 'stock-platform': .*Could not fetch the SVD file"):
        target.start()
    assert target.process is None
    assert logged(fake_renode_exe[1])[1][-1] == "stop_remote_server"
