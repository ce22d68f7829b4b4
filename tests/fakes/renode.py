"""A stand-in for Renode, as far as keybench uses it, built from Renode's documented interface.

FakeRenode answers the robot server's XML-RPC methods (get_keyword_names, run_keyword -> {status, return,
error}, stop_remote_server), records every keyword and monitor command, and checks them the way Renode would:
a platform file that runs ApplySVD from a URL fails (offline), `connector Connect` needs an existing
peripheral and terminal, and so on. Its server socket terminal queues the machine's output until a client
connects. Given a device command (the host build of the firmware), StartEmulation runs it behind the terminal
and a pause kills it: RAM lost, its storage file (the flash) kept, as `machine Reset` does in Renode.

Run as a program it is a fake `renode` executable: `python tests/fakes/renode.py --disable-xwt
--robot-server-port P ...`; FAKE_RENODE_LOG names a JSON-lines file for its argv, TMPDIR and calls ("%p" in it:
the process id),
FAKE_RENODE_DEVICE the device program, FAKE_RENODE_START_DELAY / FAKE_RENODE_CRASH simulate a slow or a
broken install.
"""
from __future__ import annotations

import argparse
import json
import os
import queue
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from xmlrpc.server import SimpleXMLRPCServer

KEYWORDS = ["ExecuteCommand", "ExecuteScript", "ResetEmulation", "StartEmulation", "CreateTerminalTester",
            "WaitForLineOnUart", "WriteToUart", "CreateLogTester", "WaitForLogEntry", "StopRemoteServer"]


class KeywordError(Exception):
    pass


class FakeTerminal:
    """`emulation CreateServerSocketTerminal PORT "name" false`: raw TCP, one client, output queued until then."""

    def __init__(self, port: int):
        self.server = socket.create_server(("127.0.0.1", port))
        self.lock = threading.Lock()
        self.client: socket.socket | None = None
        self.machine: socket.socket | None = None
        self.pending = bytearray()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with self.lock:
                self.client, pending = conn, bytes(self.pending)
                self.pending.clear()
            if pending:
                conn.sendall(pending)
            threading.Thread(target=self._pump, args=(conn, "client"), daemon=True).start()

    def _pump(self, source: socket.socket, side: str) -> None:
        while True:
            try:
                data = source.recv(4096)
            except OSError:
                return
            if not data:
                return
            with self.lock:
                sink = self.machine if side == "client" else self.client
                if sink is None:
                    if side == "machine":
                        self.pending += data
                    continue  # bytes to a paused machine are lost, as in a UART that is not running
            try:
                sink.sendall(data)
            except OSError:
                pass

    def attach(self, device_port: int) -> None:
        machine = socket.create_connection(("127.0.0.1", device_port), timeout=5)
        machine.settimeout(None)
        with self.lock:
            self.machine = machine
        threading.Thread(target=self._pump, args=(machine, "machine"), daemon=True).start()

    def detach(self) -> None:
        with self.lock:
            machine, self.machine = self.machine, None
        if machine is not None:
            machine.close()

    def close(self) -> None:
        self.detach()
        self.server.close()
        with self.lock:
            client, self.client = self.client, None
        if client is not None:
            client.close()


class FakeRenode:
    def __init__(self, device_argv: list[str] | None = None, log: Path | None = None):
        self.device_argv, self.log_path = device_argv, log
        self.calls: list[str] = []  # "Keyword" or "ExecuteCommand: text", in order
        self.stopped = threading.Event()
        self.lock = threading.Lock()
        self._reset_state()

    def _reset_state(self) -> None:
        self.machine: str | None = None
        self.peripherals: dict[str, str] = {}
        self.elf_loaded = False
        self.vtor: int | None = None
        self.terminals: dict[str, FakeTerminal] = {}
        self.connected: dict[str, str] = {}
        self.running = False
        self.device: subprocess.Popen | None = None

    # --- the robot server's XML-RPC methods ---------------------------------
    def get_keyword_names(self) -> list[str]:
        return KEYWORDS

    def run_keyword(self, name: str, args: list) -> dict:
        with self.lock:
            self._record(name if name != "ExecuteCommand" else f"ExecuteCommand: {args[0]}")
            try:
                value = self._keyword(name, list(args))
            except KeywordError as exc:
                return {"status": "FAIL", "error": f"KeywordException: {exc}\n", "traceback": ""}
            result = {"status": "PASS"}
            if value is not None:
                result["return"] = value
            return result

    def stop_remote_server(self) -> bool:
        self._record("stop_remote_server")
        self.shutdown()
        self.stopped.set()
        return True

    # --- keywords and monitor commands ---------------------------------------
    def _record(self, entry: str) -> None:
        self.calls.append(entry)
        if self.log_path is not None:
            with open(self.log_path, "a") as f:
                f.write(json.dumps({"call": entry}) + "\n")

    def _keyword(self, name: str, args: list):
        if name == "ResetEmulation":
            self.shutdown()
            self._reset_state()
            return None
        if name == "StartEmulation":
            if not (self.machine and self.peripherals and self.elf_loaded and self.vtor == 0x08000000):
                raise KeywordError("nothing to start: create a machine, load its platform and ELF, set VTOR")
            self._start_device()
            self.running = True
            return None
        if name == "ExecuteCommand":
            return self._command(args[0])
        if name in KEYWORDS:
            raise KeywordError(f"{name} is not modelled by the fake")
        raise KeywordError(f'Keyword "{name}" not found')

    def _command(self, cmd: str) -> str:
        if m := re.fullmatch(r'mach create "(\w+)"', cmd):
            self.machine = m[1]
            return ""
        if self.machine is None and not cmd.startswith("emulation "):
            raise KeywordError(f"No machine selected for '{cmd}'")
        if m := re.fullmatch(r"machine LoadPlatformDescription @(\S+)", cmd):
            self.peripherals = self._platform(Path(m[1]))
            return ""
        if m := re.fullmatch(r"sysbus LoadELF @(\S+)", cmd):
            path = Path(m[1])
            if not path.is_file() or path.read_bytes()[:4] != b"\x7fELF":
                raise KeywordError(f"Could not load ELF {path}")
            self.elf_loaded = True
            return ""
        if m := re.fullmatch(r"sysbus\.cpu VectorTableOffset (0x[0-9A-Fa-f]+)", cmd):
            self._need("cpu")
            self.vtor = int(m[1], 16)
            return ""
        if m := re.fullmatch(r'emulation CreateServerSocketTerminal (\d+) "(\w+)" false', cmd):
            try:
                self.terminals[m[2]] = FakeTerminal(int(m[1]))
            except OSError as exc:
                raise KeywordError(f"Could not create the terminal on port {m[1]}: {exc}") from None
            return ""
        if m := re.fullmatch(r"connector Connect sysbus\.(\w+) (\w+)", cmd):
            self._need(m[1])
            if m[2] not in self.terminals:
                raise KeywordError(f"No such external: {m[2]}")
            self.connected[m[1]] = m[2]
            return ""
        if cmd == "pause":
            self._stop_device()
            self.running = False
            return ""
        if cmd == "sysbus.sram ZeroAll":
            self._need("sram")
            return ""
        if cmd == "machine Reset":
            if self.running:
                raise KeywordError("the fake expects a pause before a reset")
            return ""
        raise KeywordError(f"unknown command: {cmd}")

    def _need(self, peripheral: str) -> None:
        if peripheral not in self.peripherals:
            raise KeywordError(f"Could not find peripheral sysbus.{peripheral}")

    @staticmethod
    def _platform(path: Path) -> dict[str, str]:
        if not path.is_file():
            raise KeywordError(f"Could not find platform file {path}")
        text = path.read_text()
        if re.search(r"ApplySVD\s+@https?://", text):  # what the stock stm32f4.repl does; no network here
            raise KeywordError("Could not fetch the SVD file: name resolution failed (offline)")
        found = dict(re.findall(r"^(\w+):\s*([\w.]+)\s*@", text, re.M))
        usart2 = re.search(r"^usart2:\s*UART\.STM32_UART\s*@\s*sysbus\s*<0x40004400", text, re.M)
        if not usart2 or found.get("flash") != "Memory.MappedMemory" or "flash_controller" not in found:
            raise KeywordError(f"{path}: not the keybench STM32F4 description the fake knows")
        return found

    # --- the machine: the host build of the firmware behind the terminal ------
    def _start_device(self) -> None:
        terminal = self.terminals.get(self.connected.get("usart2", ""))
        if self.device_argv is None or terminal is None:
            return
        self.device = subprocess.Popen(self.device_argv, stdout=subprocess.PIPE, text=True)
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: lines.put(self.device.stdout.readline()), daemon=True).start()
        try:
            line = lines.get(timeout=20)
        except queue.Empty:
            raise KeywordError("the device did not start within 20 s") from None
        terminal.attach(int(line.strip().rsplit(":", 1)[1]))

    def _stop_device(self) -> None:
        for terminal in self.terminals.values():
            terminal.detach()
        if self.device is not None:
            self.device.kill()  # a power cut: nothing is saved but what is already in the storage file
            self.device.wait(timeout=10)
            self.device = None

    def shutdown(self) -> None:
        self._stop_device()
        for terminal in self.terminals.values():
            terminal.close()
        self.terminals = {}


def serve(fake: FakeRenode, port: int = 0) -> SimpleXMLRPCServer:
    """The robot server on a thread; `server.server_address[1]` is its port."""
    server = SimpleXMLRPCServer(("127.0.0.1", port), allow_none=True, logRequests=False)
    for method in (fake.get_keyword_names, fake.run_keyword, fake.stop_remote_server):
        server.register_function(method)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="renode")
    parser.add_argument("--disable-xwt", action="store_true")
    parser.add_argument("--robot-server-port", type=int)
    parser.add_argument("--port", type=int)
    parser.add_argument("--pid-file")
    args = parser.parse_args(argv)
    # "%p" in the log's name is this process's id: Renodes run side by side (pytest -n) each keep a log of their own.
    log_name = os.environ.get("FAKE_RENODE_LOG", "").replace("%p", str(os.getpid()))
    log = Path(log_name) if log_name else None
    tmpdir = Path(os.environ.get("TMPDIR", "/tmp"))
    if log is not None:
        with open(log, "a") as f:
            f.write(json.dumps({"argv": argv, "tmpdir": str(tmpdir), "pid": os.getpid()}) + "\n")
    if os.environ.get("FAKE_RENODE_CRASH"):
        print("fake renode: cannot start (FAKE_RENODE_CRASH)", file=sys.stderr)
        return 1
    if not args.disable_xwt or args.robot_server_port is None:
        print("fake renode: only headless robot-server mode is modelled", file=sys.stderr)
        return 2
    # What Renode does at start: drop $TMPDIR/renode-<pid> folders of dead instances, then make its own.
    for folder in tmpdir.glob("renode-*"):
        suffix = folder.name.removeprefix("renode-")
        if not (suffix.isdigit() and Path(f"/proc/{suffix}").exists()):
            shutil.rmtree(folder, ignore_errors=True)
    own = tmpdir / f"renode-{os.getpid()}"
    own.mkdir(exist_ok=True)
    if args.pid_file:
        Path(args.pid_file).write_text(str(os.getpid()))
    time.sleep(float(os.environ.get("FAKE_RENODE_START_DELAY", "0")))
    device = os.environ.get("FAKE_RENODE_DEVICE")
    device_argv = [device, "--tcp", "127.0.0.1:0", "--storage", str(own / "flash.bin")] if device else None
    fake = FakeRenode(device_argv, log)
    server = serve(fake, args.robot_server_port)
    print(f"Robot Framework remote server is listening on port {args.robot_server_port}", flush=True)
    fake.stopped.wait(timeout=3600)  # bounded even if nobody ever stops it
    server.shutdown()  # returns once the loop ends, i.e. after the stop_remote_server answer has been sent
    server.server_close()
    fake.shutdown()
    shutil.rmtree(own, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
