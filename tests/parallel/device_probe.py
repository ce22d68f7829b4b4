"""A pytest plugin for the parallel-run tests (`-p device_probe`): after each scenario it writes one JSON line to
$KEYBENCH_PROBE_LOG naming the xdist worker and the device the scenario ran on, read from the live bench: the
process that holds it, the target object, and what the target took from the machine (emulator pid, ports,
working folder, the socket's local port). The tests then check that no two workers shared a device."""
from __future__ import annotations

import json
import os

import pytest

from keybench.steps.verdict import keybench_run


def device_identity(bench) -> dict:
    """What makes this bench's device this one and no other, as strings (compared across workers)."""
    target = bench.target
    found = {"kind": target.kind, "process": str(os.getpid()), "target": f"{os.getpid()}:{id(target)}"}
    if target.kind == "sim":
        found["device"] = f"{os.getpid()}:{id(target.device)}"
    elif target.kind == "qemu":
        found.update(emulator_pid=str(target.proc.pid), serial_port=str(target.serial_port),
                     qmp_port=str(target.qmp_port), workdir=str(target.workdir))
    elif target.kind == "renode":
        found.update(emulator_pid=str(target.process.proc.pid), workdir=str(target.process.workdir))
    elif target.kind == "serial":
        # The socket's own end: the server logs which of its devices this local port was given.
        sock = bench.link.transport._port._socket  # pyserial's socket:// handler keeps it there
        found["local_port"] = str(sock.getsockname()[1])
    elif target.kind == "ble":
        found.update(peripheral=f"{os.getpid()}:{id(target.peripheral)}",
                     device=f"{os.getpid()}:{id(target.peripheral.device)}")
    return found


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    """One line per scenario; "kind" is null for one that ran before its worker ever needed the device (a step
    that only the app takes part in)."""
    bench = keybench_run(item.config).bench
    line = {"worker": os.environ.get("PYTEST_XDIST_WORKER", "main"), "test": item.nodeid,
            **(device_identity(bench) if bench is not None else {"kind": None})}
    with open(os.environ["KEYBENCH_PROBE_LOG"], "a") as log:
        log.write(json.dumps(line) + "\n")  # one short append per line: workers never interleave within one
