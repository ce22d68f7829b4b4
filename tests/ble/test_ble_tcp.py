"""The simulated peripheral in another process (`python -m keybench.simulator serve-ble`): the harness's bumble host
reaches its virtual controller with HCI over TCP."""
from __future__ import annotations

import asyncio
import os
import subprocess
import threading
import time

import pytest

from ble_kit import PY, ROOT, SERVICE
from keybench.protocol import imkey
from keybench.protocol.debuglink import Op
from keybench.rigs.bench import Bench
from keybench.rigs.config import load_rig
from keybench.rigs.ble.connection import BleConnection, BleSpec
from keybench.rigs.ble.payload import FramesOverBle
from keybench.rigs.ble.bumble_backend import BumbleBleakClient, BumbleBleakScanner, BumbleCentral
from keybench.rigs.ble.loop import LoopThread
from keybench.rigs.link import Link
from keybench.rigs.transport import TransportError
from keybench.simulator.ble_gatt import ImKeyPeripheral
from keybench.simulator.device import Device
from keybench.simulator.serve_ble import serve_ble


def start_server(*args: str) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen([PY, "-m", "keybench.simulator", "serve-ble", "--tcp", "127.0.0.1:0", "--seed", "1", *args],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()  # "listening on 127.0.0.1:PORT (HCI over TCP) as BLE peripheral ..."
    if not line.startswith("listening on"):
        proc.kill()
        raise AssertionError(f"serve-ble did not start: {line!r} {proc.stderr.read()}")
    return proc, int(line.split()[2].rsplit(":", 1)[1])


@pytest.fixture
def server():
    procs = []

    def start(*args: str) -> tuple[subprocess.Popen, int]:
        proc, port = start_server(*args)
        procs.append(proc)
        return proc, port

    yield start
    for proc in procs:
        proc.kill()
        proc.communicate(timeout=5)  # reaps it and closes its pipes


def rig_file(tmp_path, port: int, extra: str = "") -> str:
    path = tmp_path / "sim-ble-tcp.toml"
    path.write_text(f'''name = "sim-ble-tcp"
target = "ble"
capabilities = ["debug_link", "power_cut", "power_cycle", "factory_erase", "destructive"]
seed = 1

[settings]
simulator = "tcp://127.0.0.1:{port}"
name = "imKeyPro"
service_uuid = "{SERVICE}"
scan_timeout = 2.0
connect_timeout = 2.0
{extra}
''')
    return str(path)


def test_bench_over_tcp_to_a_second_process(server, tmp_path):
    _, port = server("--mtu", "185")
    bench = Bench.open(load_rig(rig_file(tmp_path, port)))
    try:
        assert bench.target.connection.client.mtu_size == 185
        assert bench.link.apdu_ok(imkey.LIFECYCLE) == b"\x81"
        assert bench.user.set_pin("123456")[0] == "Home"
        bench.power_cycle()
        assert bench.user.screen()[0] == "Enter PIN"
    finally:
        bench.close()


def test_every_feature_over_serve_ble_in_another_process_at_20_byte_fragments(server, tmp_path):
    _, port = server("--mtu", "23")
    result = subprocess.run([PY, "-m", "pytest", "features", "-q", "-p", "no:randomly",
                             "--rig", rig_file(tmp_path, port)], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "failed" not in result.stdout


def test_the_server_process_dying_is_a_clear_error_and_no_hang(server, tmp_path):
    proc, port = server()
    bench = Bench.open(load_rig(rig_file(tmp_path, port)))
    try:
        bench.link.apdu_ok(imkey.LIFECYCLE)
        proc.kill()
        proc.wait(5)
        start = time.monotonic()
        with pytest.raises(TransportError, match="BLE device named 'imKeyPro'"):
            bench.link.apdu(imkey.LIFECYCLE)
        assert time.monotonic() - start < 10.0
    finally:
        bench.close()


@pytest.fixture
def threaded_peripheral():
    """serve-ble in a thread of this process, so a test can reach into the peripheral (fault injection)."""
    peripheral = ImKeyPeripheral(Device(seed=1), service_uuid=SERVICE, name="imKeyPro", max_mtu=23)
    ready = threading.Event()
    port: list[int] = []
    stops: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []

    async def serve():
        stop = asyncio.Event()
        stops.append((asyncio.get_running_loop(), stop))
        await serve_ble(peripheral, "127.0.0.1", 0, on_listening=lambda p: (port.append(p), ready.set()), stop=stop)

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    assert ready.wait(5), "serve_ble did not start listening within 5 s"
    yield peripheral, port[0]
    loop, stop = stops[0]
    loop.call_soon_threadsafe(stop.set)
    thread.join(5)
    assert not thread.is_alive(), "serve_ble did not stop within 5 s of its stop event"


def test_a_drop_mid_exchange_over_tcp(threaded_peripheral):
    peripheral, port = threaded_peripheral
    loop = LoopThread("keybench-ble-test")
    central = BumbleCentral(f"tcp-client:127.0.0.1:{port}")
    conn = BleConnection(BleSpec(service_uuid=SERVICE, name="imKeyPro", scan_timeout=2, connect_timeout=2),
                         client_kwargs={"backend": BumbleBleakClient, "bumble": central},
                         scanner_kwargs={"backend": BumbleBleakScanner, "bumble": central}, loop=loop)
    conn.open()
    link = Link(FramesOverBle(conn), timeout=20.0)
    try:
        assert link.debug_ok(Op.SCREEN).startswith(b"Set PIN")
        peripheral.faults.drop_on_message = 1
        start = time.monotonic()
        with pytest.raises(TransportError, match="dropped while waiting for an answer"):
            link.apdu(imkey.SE_ID)
        assert time.monotonic() - start < 2.0
        assert len(link.apdu_ok(imkey.SE_ID)) == 16  # reconnected
        peripheral.faults.drop_mid_answer = True  # a disconnect in the middle of a fragmented answer
        with pytest.raises(TransportError, match="dropped while waiting for an answer"):
            link.debug(Op.SCREEN)
        assert link.debug_ok(Op.SCREEN).startswith(b"Set PIN")
    finally:
        conn.close()
        loop.run(central.close(), 5.0)
        loop.stop()


def test_serve_ble_refuses_a_bad_address():
    result = subprocess.run([PY, "-m", "keybench.simulator", "serve-ble", "--tcp", "nonsense"], cwd=ROOT,
                            capture_output=True, text=True, timeout=30, env={**os.environ})
    assert result.returncode == 2 and "HOST:PORT" in result.stderr
