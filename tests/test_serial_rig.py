"""The serial target through pyserial's socket:// URL against `python -m keybench.simulator serve`."""
import re

from support import run_pytest, write_rig
from keybench.protocol import imkey
from keybench.protocol.framing import Channel, ErrorCode, Frame, FrameDecoder, parse_error
from keybench.rigs.serial_transport import SerialTransport

FULL_CAPS = ["debug_link", "power_cut", "power_cycle", "factory_erase", "destructive"]


def read_frames(transport: SerialTransport, count: int, timeout: float = 5.0) -> list:
    decoder, frames = FrameDecoder(), []
    import time

    deadline = time.monotonic() + timeout
    while len(frames) < count and time.monotonic() < deadline:
        frames += decoder.feed(transport.read(deadline - time.monotonic()))
    return frames


def test_server_answers_garbage_truncation_and_then_serves(simulator_server):
    transport = SerialTransport(f"socket://127.0.0.1:{simulator_server}")
    try:
        transport.write(b"\x00garbage\xff" + b"KB\x01\x09\x00\x10\x80")  # a frame that stops after 7 bytes
        (error,) = read_frames(transport, 1)
        assert error.channel == Channel.ERROR and parse_error(error.payload)[0] == ErrorCode.TRUNCATED
        transport.write(Frame(Channel.HOST, 10, imkey.LIFECYCLE.encode()).encode())
        (answer,) = read_frames(transport, 1)
        assert answer.seq == 10 and answer.payload == bytes([imkey.Lifecycle.PIN_UNSET]) + b"\x90\x00"
    finally:
        transport.close()


def test_the_feature_suites_pass_on_a_serial_rig_pointed_at_the_simulator_server(simulator_server, tmp_path):
    rig = write_rig(tmp_path, "sim-over-tcp", "serial", FULL_CAPS, {"url": f"socket://127.0.0.1:{simulator_server}"})
    collected = run_pytest("features", "--collect-only", "-q", "-p", "no:randomly")
    expected = int(re.search(r"(\d+) tests? collected", collected.stdout).group(1))
    result = run_pytest("features", "--rig", str(rig), "-q")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert re.search(rf"\b{expected} passed\b", result.stdout), result.stdout[-500:]
    assert "skipped" not in result.stdout.splitlines()[-1]
