"""`python -m keybench.simulator serve --devices N`: N identical devices behind one address, one per connected host,
so the workers of `pytest -n N` on the sim-tcp rig each get their own (docs/protocol.md 1.4). Raw sockets against
a real server process."""
from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest

from support import ROOT, read_line, stop
from keybench.protocol.debuglink import Op
from keybench.protocol.framing import Channel, ErrorCode, Frame, FrameDecoder, parse_error


@pytest.fixture
def server(tmp_path):
    """Start `serve --tcp 127.0.0.1:0 ...OPTIONS`; returns its port. Stopped after the test."""
    started: list[subprocess.Popen] = []

    def start(*options: str) -> int:
        with open(tmp_path / "server.log", "w") as log:
            proc = subprocess.Popen([sys.executable, "-m", "keybench.simulator", "serve", "--tcp", "127.0.0.1:0",
                                     "--seed", "1", *options], cwd=ROOT, stdout=subprocess.PIPE, stderr=log,
                                    text=True)
        started.append(proc)
        return int(read_line(proc.stdout, timeout=20).rsplit(":", 1)[1])

    yield start
    for proc in started:
        stop(proc)


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=5)


def exchange(sock: socket.socket, frame: Frame, timeout: float = 5.0) -> Frame:
    """Send one frame and read the one frame that answers it (or the error frame the server sends instead)."""
    sock.sendall(frame.encode())
    decoder = FrameDecoder()
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        sock.settimeout(left)
        data = sock.recv(4096)
        assert data, "the server closed the connection without an answer"
        for item in decoder.feed(data):
            if isinstance(item, Frame):
                return item
    raise AssertionError(f"no answer within {timeout} s")


def screen(sock: socket.socket) -> bytes:
    answer = exchange(sock, Frame(Channel.DEBUG, 0x41, bytes([Op.SCREEN])))
    assert answer.channel == Channel.DEBUG and answer.payload[:2] == b"\x90\x00", answer
    return answer.payload[2:]


def enter_new_pin(sock: socket.socket) -> None:
    """On a new device: type a PIN and confirm it, which moves it to the next screen (confirm the PIN)."""
    for seq, request in ((0x42, bytes([Op.TYPE]) + b"123456"), (0x44, bytes([Op.PRESS, 0x01]))):
        answer = exchange(sock, Frame(Channel.DEBUG, seq, request))
        assert answer.channel == Channel.DEBUG and answer.payload[:2] == b"\x90\x00", answer


def busy_message(sock: socket.socket) -> str:
    answer = exchange(sock, Frame(Channel.DEBUG, 0x43, bytes([Op.SCREEN])))
    code, message = parse_error(answer.payload)
    assert answer.channel == Channel.ERROR and code == ErrorCode.BUSY, answer
    return message


def test_each_connected_host_has_a_device_of_its_own(server):
    port = server("--devices", "2")
    with connect(port) as first, connect(port) as second:
        fresh = screen(first)
        enter_new_pin(first)
        assert screen(first) != fresh, "the first host's device moved on"
        assert screen(second) == fresh, "the second host's device saw none of it"


def test_a_host_finds_no_free_device_only_when_every_device_has_a_host(server):
    port = server("--devices", "2")
    with connect(port) as first, connect(port) as second:
        screen(first), screen(second)
        with connect(port) as third:
            message = busy_message(third)
    assert message.startswith("another host is connected; try again when it leaves"), message
    assert "all 2 devices of this server have a host" in message


def test_a_device_a_host_left_goes_to_the_next_host_with_its_state(server):
    port = server("--devices", "2")
    with connect(port) as second:
        with connect(port) as first:
            fresh = screen(first)
            enter_new_pin(first)
            typed = screen(first)
        assert screen(second) == fresh  # device 2, untouched
        deadline = time.monotonic() + 10
        while True:  # the server frees device 1 once it has read the first host's goodbye
            with connect(port) as third:
                try:
                    assert screen(third) == typed, "the next host gets device 1, which kept its screen"
                    break
                except AssertionError:
                    if time.monotonic() > deadline:
                        raise


def test_a_one_device_server_tells_a_second_host_how_to_serve_more(server):
    port = server()
    with connect(port) as first:
        screen(first)
        with connect(port) as second:
            message = busy_message(second)
    assert "serve --devices N gives N hosts, e.g. pytest -n N" in message, message


@pytest.mark.parametrize("bad", ["0", "-1", "two", "65"])
def test_a_bad_device_count_is_refused_naming_it(bad):
    result = subprocess.run([sys.executable, "-m", "keybench.simulator", "serve", "--tcp", "127.0.0.1:0",
                             "--devices", bad], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert f"--devices: wants a whole number from 1 to 64, got {bad!r}" in result.stderr, result.stderr
