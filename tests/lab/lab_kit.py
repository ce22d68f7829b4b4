"""A real labgrid lab on loopback for the tests: labgrid-coordinator, one labgrid-exporter, and devices behind
it (the firmware under QEMU, or simulator servers), each place with a NetworkSerialPort and optionally a
NetworkPowerPort on a power server the test can observe. close() tears it all down and checks that no place
is left locked and no process is left running."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from labgrid.remote.generated import labgrid_coordinator_pb2 as pb2
from power_server import PowerServer
from qemu.qmp.legacy import QEMUMonitorProtocol
from support import stop

from keybench.rigs.config import load_rig
from keybench.rigs.lab.client import LabClient
from keybench.rigs.targets.qemu import QemuTarget

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]
SERIAL = "imKey01191200001"  # what both the firmware and the simulator answer to APDU 80CA004400


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_text(path: Path, text: str, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while text not in (path.read_text(errors="replace") if path.exists() else ""):
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}: {path.read_text()[-2000:]}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{proc.args[0]} did not say {text!r} within {timeout} s: {path.read_text()[-2000:]}")
        time.sleep(0.05)


class LabKit:
    def __init__(self, folder: Path):
        self.folder = folder
        self.procs: list[subprocess.Popen] = []
        self.qemus: list[QemuTarget] = []
        self.places: dict[str, dict] = {}  # name -> {"serial": port, "tags": {...}, "outlet": index or None}
        self.power = PowerServer()
        self.coordinator_port = free_port()
        self.address = f"127.0.0.1:{self.coordinator_port}"
        self.coordinator = self._spawn("coordinator", [str(BIN / "labgrid-coordinator"), "-l", self.address],
                                       "listening on")
        self.exporter: subprocess.Popen | None = None
        self.client = LabClient(self.address, timeout=10.0)

    def _spawn(self, name: str, argv: list[str], ready: str, env: dict | None = None) -> subprocess.Popen:
        workdir = self.folder / name
        workdir.mkdir(exist_ok=True)
        log = workdir / "log.txt"
        with open(log, "ab") as out:
            proc = subprocess.Popen(argv, cwd=workdir, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    env={**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"})
        self.procs.append(proc)
        wait_for_text(log, ready, proc, timeout=30)
        return proc

    # --- devices -------------------------------------------------------------------------------------------
    def add_qemu_place(self, name: str, tags: dict[str, str], powered: bool = True) -> None:
        """The firmware under QEMU; its outlet stops the CPU (off) and resets it (on), storage kept."""
        target = QemuTarget(load_rig("qemu-stm32f4"))
        self.qemus.append(target)
        target.start().close()  # booted and answering; its serial port is free for the place's users
        outlet = len(self.power.outlets) if powered else None
        if powered:
            self.power.outlets[outlet] = lambda on, t=target: _qemu_power(t.qmp_port, on)
        self.places[name] = {"serial": target.serial_port, "tags": tags, "outlet": outlet}

    def add_sim_place(self, name: str, tags: dict[str, str]) -> None:
        """A simulator server (no power switch: the place lacks power_cycle)."""
        port = free_port()
        self._spawn(f"sim-{name}", [sys.executable, "-m", "keybench.simulator", "serve", "--tcp",
                                    f"127.0.0.1:{port}", "--seed", "1"], "listening on")
        self.places[name] = {"serial": port, "tags": tags, "outlet": None}

    # --- labgrid -------------------------------------------------------------------------------------------
    def start_exporter(self, name: str = "bench1") -> None:
        lines = []
        for place, spec in self.places.items():
            lines += [f"{place}:", "  NetworkSerialPort:", "    host: 127.0.0.1", f"    port: {spec['serial']}",
                      "    protocol: raw", "    speed: 115200"]
            if spec["outlet"] is not None:
                lines += ["  NetworkPowerPort:", "    model: simplerest", f"    host: '{self.power.url()}'",
                          f"    index: {spec['outlet']}"]
        config = self.folder / "exporter.yaml"
        config.write_text("\n".join(lines) + "\n")
        self.exporter = self._spawn("exporter", [str(BIN / "labgrid-exporter"), "-c", self.address, "-n", name,
                                                 "--hostname", "127.0.0.1", str(config)], "add resource")
        for place, spec in self.places.items():
            self.client.rpc("AddPlace", pb2.AddPlaceRequest(name=place))
            self.client.rpc("AddPlaceMatch", pb2.AddPlaceMatchRequest(placename=place, pattern=f"{name}/{place}/*"))
            self.client.rpc("SetPlaceTags", pb2.SetPlaceTagsRequest(placename=place, tags=spec["tags"]))
        self.wait_for_resources(sum(2 if s["outlet"] is not None else 1 for s in self.places.values()))

    def wait_for_resources(self, count: int, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            self.client.refresh()
            found = sum(len(self.client.resources_of(p)) for p in self.client.places().values())
            if found >= count:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"the exporter's {count} resources did not reach the coordinator ({found})")
            time.sleep(0.1)

    def holders(self) -> dict[str, str]:
        """Each place's holder ("" when free), as the coordinator says now."""
        self.client.refresh()
        return {name: place.acquired or "" for name, place in self.client.places().items()}

    def hold(self, place: str, user: str) -> None:
        """Someone else (labgrid-client as `user`) takes the place, as a colleague would."""
        subprocess.run([str(BIN / "labgrid-client"), "-x", self.address, "-p", place, "acquire"], check=True,
                       capture_output=True, timeout=60, env={**os.environ, "LG_USERNAME": user})

    def kill_exporter(self) -> None:
        self.exporter.kill()
        self.exporter.wait(timeout=10)

    def release(self, place: str, user: str) -> None:
        subprocess.run([str(BIN / "labgrid-client"), "-x", self.address, "-p", place, "release"], check=True,
                       capture_output=True, timeout=60, env={**os.environ, "LG_USERNAME": user})

    def acquisitions(self) -> dict[str, int]:
        """How often each place was acquired, from the coordinator's own log."""
        log = (self.folder / "coordinator" / "log.txt").read_text(errors="replace")
        return {name: log.count(f"{name}: place acquired by") for name in self.places}

    def rig(self, folder: Path, name: str, settings: dict, capabilities: tuple[str, ...] = (
            "debug_link", "power_cut", "power_cycle", "factory_erase", "destructive"), allowed: str = SERIAL) -> Path:
        lines = [f'name = "{name}"', 'target = "labgrid"', "seed = 1", "physical = true",
                 f'allowed_serials = ["{allowed}"]', "capabilities = [" + ", ".join(f'"{c}"' for c in capabilities)
                 + "]", "[settings]", f'coordinator = "{self.address}"']
        lines += [f"{k} = {v!r}".replace("'", '"') for k, v in settings.items()]
        path = folder / f"{name}.toml"
        path.write_text("\n".join(lines) + "\n")
        return path

    # --- teardown ------------------------------------------------------------------------------------------
    def close(self) -> dict[str, str]:
        """End everything; returns the locks and reservations left (the tests assert there are none)."""
        try:
            left = {name: who for name, who in self.holders().items() if who}
            reservations = self.client.rpc("GetReservations", pb2.GetReservationsRequest()).reservations
            left.update({f"reservation {r.token}": r.owner for r in reservations})  # cancelled when released
        except Exception as exc:  # noqa: BLE001 - a coordinator that died is reported, not hidden
            left = {"<coordinator>": f"unreachable: {exc}"}
        self.client.close()
        for proc in reversed(self.procs):  # exporter before coordinator: nothing of ours is left to wait for
            if proc.poll() is None:
                stop(proc)
        for target in self.qemus:
            target.stop()
        self.power.close()
        running = [p.args[0] for p in self.procs if p.poll() is None]
        running += [str(t.proc.args[0]) for t in self.qemus if t.proc is not None and t.proc.poll() is None]
        assert not running, f"processes left running: {running}"
        return left


def _qemu_power(qmp_port: int, on: bool) -> None:
    qmp = QEMUMonitorProtocol(("127.0.0.1", qmp_port))
    qmp.connect()
    try:
        if on:
            qmp.cmd_obj({"execute": "system_reset"})
            qmp.cmd_obj({"execute": "cont"})
        else:
            qmp.cmd_obj({"execute": "stop"})
    finally:
        qmp.close()
