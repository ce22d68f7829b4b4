"""Start the host build of the firmware (build/host/keybench-device) for tests and tools.

    with HostDevice() as dev:          # builds it with make if missing
        link = Link(dev.transport())
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

FIRMWARE = Path(__file__).resolve().parents[1]
HOST_BINARY = FIRMWARE / "build" / "host" / "keybench-device"


_built = False


def make(target: str) -> None:
    """make -C firmware TARGET, one make at a time across processes (pytest-xdist workers share the tree)."""
    import fcntl
    (FIRMWARE / "build").mkdir(exist_ok=True)
    with open(FIRMWARE / "build" / ".make.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        r = subprocess.run(["make", "-C", str(FIRMWARE), target], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"make -C firmware {target} failed:\n{r.stdout[-4000:]}\n{r.stderr[-4000:]}")


def build_host() -> Path:
    """Build (once per process; make is incremental) and return the host binary."""
    global _built
    if not shutil.which("make") or not (shutil.which("cc") or shutil.which("gcc")):
        raise FileNotFoundError("make and a C compiler are needed to build the host firmware")
    if not _built:
        make("host")
        _built = True
    return HOST_BINARY


class HostDevice:
    """One keybench-device process on a free port with its own storage file."""

    def __init__(self, seed: int = 0, storage: Path | None = None, extra_args: list[str] | None = None):
        self.seed = seed
        self.extra_args = list(extra_args or [])  # e.g. ["--idle-timeout", "1"]
        self._tmp = tempfile.TemporaryDirectory(prefix="kb-host-")
        self.storage = storage or Path(self._tmp.name) / "storage.bin"
        self.proc: subprocess.Popen | None = None
        self.port = 0

    def start(self) -> "HostDevice":
        build_host()
        self.proc = subprocess.Popen(
            [str(HOST_BINARY), "--tcp", "127.0.0.1:0", "--storage", str(self.storage), "--seed", str(self.seed),
             *self.extra_args],
            stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("listening on "):
            self.stop()
            raise RuntimeError(f"keybench-device did not start: {line!r}")
        self.port = int(line.rsplit(":", 1)[1])
        return self

    @property
    def url(self) -> str:
        return f"socket://127.0.0.1:{self.port}"

    def transport(self):
        from keybench.rigs.serial_transport import SerialTransport
        return SerialTransport(self.url)

    def restart(self) -> None:
        """Kill the process (a power loss at an arbitrary point) and start again on the same storage."""
        self.stop(keep_files=True)
        self.start()

    def stop(self, keep_files: bool = False) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=5)
            if self.proc.stdout:
                self.proc.stdout.close()
            self.proc = None
        if not keep_files:
            self._tmp.cleanup()

    def __enter__(self) -> "HostDevice":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def env_with_repo() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(FIRMWARE.parent) + os.pathsep + env.get("PYTHONPATH", "")
    return env
