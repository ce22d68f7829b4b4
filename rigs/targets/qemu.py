"""The reference firmware under QEMU (netduinoplus2, an STM32F405): one private QEMU per target.

The firmware's USART2 is QEMU's second -serial, served on a local TCP port; storage is a file in QEMU's
private working directory, written by the firmware through ARM semihosting, so it survives resets.
Power cycle and power on are a real machine reset over QMP (RAM lost, storage kept).
"""
from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from keybench.protocol.debuglink import Op
from keybench.protocol.framing import Channel, Frame, FrameDecoder
from keybench.rigs.config import RigConfig, RigError, RigUnavailable, settings_dataclass
from keybench.rigs.firmware_image import build_tools, ensure_image, needs_build, repo_path
from keybench.rigs.process import end_process
from keybench.rigs.registry import register
from keybench.rigs.serial_transport import SerialTransport
from keybench.rigs.target import Target
from keybench.rigs.transport import Transport, TransportError

STORAGE_FILE = "keybench-storage.bin"  # the name the qemu board opens through semihosting
PROBE_SEQS = range(0xB0, 0xC0)  # seqs of the readiness probes (stale answers are drained)


@settings_dataclass
class QemuSettings:
    qemu: str = "qemu-system-arm"
    machine: str = "netduinoplus2"
    elf: str = "firmware/build/qemu/keybench.elf"  # relative to the repository, or absolute
    build: str = "if-missing"  # "if-missing", "always" (make is incremental) or "never"
    ready_timeout: float = 20.0  # seconds from start or reset until the device answers SCREEN
    stop_timeout: float = 5.0
    keep_workdir: bool = False  # leave the temporary directory (qemu.log, storage) for a post-mortem


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@register("qemu")
class QemuTarget(Target):
    Settings = QemuSettings

    def __init__(self, rig: RigConfig):
        super().__init__(rig)
        needs_build(self.elf, self.settings.build)  # validates the setting early
        self.workdir: Path | None = None
        self.proc: subprocess.Popen | None = None
        self.transport: SerialTransport | None = None
        self.qmp = None
        self.serial_port = 0
        self.qmp_port = 0
        self.boot_seconds: float | None = None  # last start/reset: seconds until the first SCREEN answer

    # --- building -------------------------------------------------------------
    @property
    def elf(self) -> Path:
        return repo_path(self.settings.elf)

    def _qemu(self) -> str:
        qemu = shutil.which(self.settings.qemu)
        if qemu is None:
            raise RigUnavailable(f"{self.settings.qemu} not found: install QEMU (apt-get install qemu-system-arm)")
        return qemu

    def check_tools(self) -> list[str]:
        """QEMU, and the toolchain when the image must be built; RigUnavailable names what to install."""
        found = [f"qemu: {self._qemu()}"]
        if needs_build(self.elf, self.settings.build):
            return found + build_tools(self.elf)
        return found + [f"firmware image: {self.elf}"]

    def _ensure_elf(self) -> Path:
        return ensure_image(self.elf, "qemu", self.settings.build)

    # --- life cycle -----------------------------------------------------------
    def start(self) -> Transport:
        if self.proc is not None:
            raise RigError(f"{self.describe()}: already started")
        qemu = self._qemu()
        elf = self._ensure_elf()
        self.workdir = Path(tempfile.mkdtemp(prefix="keybench-qemu-"))
        try:
            for attempt in range(3):  # a free port can be taken between probing and QEMU binding it
                if self._launch(qemu, elf):
                    break
                if attempt == 2:
                    raise RigError(f"QEMU did not start: {self._log_tail()}")
            self._wait_ready(self.transport)
            return self.transport
        except BaseException:
            self.stop()
            raise

    def _launch(self, qemu: str, elf: Path) -> bool:
        self.serial_port, self.qmp_port = _free_port(), _free_port()
        cmd = [qemu, "-M", self.settings.machine, "-nographic", "-kernel", str(elf),
               "-serial", "null",
               "-serial", f"tcp:127.0.0.1:{self.serial_port},server=on,wait=on,nodelay=on",
               "-qmp", f"tcp:127.0.0.1:{self.qmp_port},server=on,wait=off",
               "-semihosting-config", "enable=on,target=native",
               "-monitor", "none"]
        log = open(self.workdir / "qemu.log", "ab")
        try:
            self.proc = subprocess.Popen(cmd, cwd=self.workdir, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        finally:
            log.close()
        # QEMU says it is waiting on *its* port before we connect, so we never reach someone else's.
        deadline = time.monotonic() + 10.0
        while f":{self.serial_port},server" not in self._log_tail(4000):
            if self.proc.poll() is not None:
                self.proc = None
                return False  # most likely the port was taken meanwhile: try other ports
            if time.monotonic() >= deadline:
                raise RigError(f"QEMU did not open its serial port within 10 s{self._log_suffix()}")
            time.sleep(0.01)
        self.transport = SerialTransport(f"socket://127.0.0.1:{self.serial_port}", open_timeout=10.0)
        return True

    def stop(self) -> None:
        if self.qmp is not None:
            try:
                self.qmp.cmd_obj({"execute": "quit"})
            except Exception:  # noqa: BLE001 - QEMU may already be gone
                pass
            try:
                self.qmp.close()
            except Exception:  # noqa: BLE001
                pass
            self.qmp = None
        elif self.proc is not None and self.proc.poll() is None:
            self._qmp_quit_fresh()
        if self.transport is not None:
            self.transport.close()
            self.transport = None
        if self.proc is not None:
            end_process(self.proc, self.settings.stop_timeout)
            self.proc = None
        if self.workdir is not None:
            if not self.settings.keep_workdir:
                shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def _qmp_quit_fresh(self) -> None:
        """Ask QEMU to quit over a short-lived QMP connection (start() may have failed before connecting)."""
        try:
            qmp = self._qmp_connect(timeout=2.0)
            try:
                qmp.cmd_obj({"execute": "quit"})
            finally:
                qmp.close()
        except Exception:  # noqa: BLE001 - terminate/kill follow
            pass

    # --- power ----------------------------------------------------------------
    def power_cycle(self, link) -> None:
        """A machine reset over QMP: RAM lost, the storage file kept; returns once the device answers."""
        self._reset(link.transport)

    def power_on(self, link) -> None:
        """After a power cut the firmware is off (in RAM): a reset boots it from storage."""
        self._reset(link.transport)

    def _reset(self, transport: Transport) -> None:
        if self.proc is None or self.proc.poll() is not None:
            raise RigError(f"{self.describe()}: QEMU is not running{self._log_suffix()}")
        if self.qmp is None:
            self.qmp = self._qmp_connect(timeout=10.0)
        transport.drain()
        try:
            reply = self.qmp.cmd_obj({"execute": "system_reset"})
        except Exception as exc:  # noqa: BLE001
            raise RigError(f"{self.describe()}: QMP system_reset failed: {exc}") from None
        if "error" in reply:
            raise RigError(f"{self.describe()}: QMP system_reset failed: {reply['error']}")
        self._wait_ready(transport)

    def _qmp_connect(self, timeout: float):
        try:
            from qemu.qmp.legacy import QEMUMonitorProtocol
        except ImportError:
            raise RigError("the qemu.qmp package is needed for QMP resets: pip install qemu.qmp") from None
        deadline = time.monotonic() + timeout
        while True:
            qmp = QEMUMonitorProtocol(("127.0.0.1", self.qmp_port))
            try:
                qmp.connect()
                qmp.settimeout(10.0)
                return qmp
            except Exception as exc:  # noqa: BLE001
                try:
                    qmp.close()
                except Exception:  # noqa: BLE001
                    pass
                if time.monotonic() >= deadline:
                    raise RigError(f"{self.describe()}: cannot reach QMP on port {self.qmp_port}: {exc}") from None
                time.sleep(0.05)

    # --- readiness ------------------------------------------------------------
    def _wait_ready(self, transport: Transport) -> None:
        """Send debug SCREEN until one is answered. Bytes that reach QEMU's USART before the firmware
        enables it are dropped, so a probe may be lost: send a fresh one every 25 ms during the first second,
        every 250 ms after. Then collect what the other probes stir up, so the caller's link starts quiet."""
        t0 = time.monotonic()
        deadline = t0 + self.settings.ready_timeout
        decoder = FrameDecoder()
        sent: set[int] = set()
        answered: set[int] = set()
        next_probe = 0.0
        ready = False
        while not ready:
            now = time.monotonic()
            if now >= deadline:
                raise RigError(f"{self.describe()}: the device did not answer a debug SCREEN request within "
                               f"{self.settings.ready_timeout:g} s{self._log_suffix()}")
            if self.proc is None or self.proc.poll() is not None:
                raise RigError(f"{self.describe()}: QEMU exited while booting{self._log_suffix()}")
            if now >= next_probe:
                seq = PROBE_SEQS[len(sent) % len(PROBE_SEQS)]
                sent.add(seq)
                try:
                    transport.write(Frame(Channel.DEBUG, seq, bytes([Op.SCREEN])).encode())
                except TransportError as exc:
                    raise RigError(f"{self.describe()}: serial link failed: {exc}") from None
                next_probe = now + (0.025 if now - t0 < 1.0 else 0.25)
            _, ready = self._collect(transport, decoder, sent, answered, wait=0.01)
        self.boot_seconds = time.monotonic() - t0
        # Wait for the answers to the other probes; a probe that was lost on its way in never gets one.
        end = time.monotonic() + 1.0
        while sent - answered and time.monotonic() < end:
            got, _ = self._collect(transport, decoder, sent, answered, wait=0.05)
            if not got:
                break

    def _collect(self, transport: Transport, decoder: FrameDecoder, sent: set[int], answered: set[int],
                 wait: float) -> tuple[bool, bool]:
        """Read once and note answers (or error frames) to our probes: (anything arrived, a probe answered)."""
        try:
            chunk = transport.read(wait)
        except TransportError as exc:
            raise RigError(f"{self.describe()}: serial link failed: {exc}") from None
        ready = False
        for item in decoder.feed(chunk):
            if isinstance(item, Frame) and item.seq in sent:
                answered.add(item.seq)
                # An error frame is an answer too: a DEBUGLINK=0 image rejects SCREEN as unknown_channel.
                ready = ready or item.channel in (Channel.DEBUG, Channel.ERROR)
        return bool(chunk), ready

    # --- diagnostics ----------------------------------------------------------
    def _log_tail(self, n: int = 2000) -> str:
        if self.workdir is None:
            return ""
        try:
            return (self.workdir / "qemu.log").read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def _log_suffix(self) -> str:
        tail = self._log_tail().strip()
        return f"\nQEMU log:\n{tail}" if tail else ""

    @property
    def storage_path(self) -> Path | None:
        return self.workdir / STORAGE_FILE if self.workdir else None

    def health(self) -> str | None:
        if self.proc is not None and self.proc.poll() is not None:
            return f"QEMU exited with code {self.proc.returncode}"
        return None

    def describe(self) -> str:
        return f"qemu target of rig {self.rig.name!r} ({self.settings.machine}, {self.elf.parent.name}/{self.elf.name})"


__all__ = ["QemuSettings", "QemuTarget"]
