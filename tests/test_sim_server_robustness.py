"""`python -m keybench.simulator serve --tcp` against clients that misbehave (issue 12), from the outside: raw sockets
against a real server process, bytes as docs/protocol.md section 1 describes them."""
from __future__ import annotations

import socket
import struct
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from support import ROOT, read_line, stop
from keybench.protocol import imkey
from keybench.protocol.debuglink import Op
from keybench.protocol.framing import Channel, ErrorCode, Frame, FrameDecoder, parse_error
from keybench.protocol.status import SW
from keybench.rigs.device_user import DeviceUser
from keybench.rigs.hands import DebugLinkHands
from keybench.rigs.link import Link, PoweredOff, SessionSyncFailed
from keybench.rigs.serial_transport import SerialTransport

SCREEN = Frame(Channel.DEBUG, 0x44, bytes([Op.SCREEN])).encode()


@dataclass
class Server:
    proc: subprocess.Popen
    port: int
    log: Path

    def connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def assert_alive(self) -> None:
        assert self.proc.poll() is None, f"the server exited ({self.proc.returncode}): {self.log.read_text()}"

    def lifecycle(self, seq: int = 0x21) -> bytes:
        """A fresh client's lifecycle APDU: the server still serves, and answers this client's own request."""
        with self.connect() as sock:
            sock.sendall(Frame(Channel.HOST, seq, imkey.LIFECYCLE.encode()).encode())
            (answer,) = frames(sock, 1)
        assert answer.channel == Channel.HOST and answer.seq == seq, answer
        return answer.payload

    def lifecycle_when_free(self, timeout: float = 20.0) -> bytes:
        """As a host told "busy" does: try again (while the server still reads a departed client's last bytes)."""
        deadline = time.monotonic() + timeout
        while True:
            with self.connect() as sock:
                sock.sendall(Frame(Channel.HOST, 0x22, imkey.LIFECYCLE.encode()).encode())
                (answer,) = frames(sock, 1)
            busy = answer.channel == Channel.ERROR and parse_error(answer.payload)[0] == ErrorCode.BUSY
            if not busy or time.monotonic() > deadline:
                assert answer.channel == Channel.HOST and answer.seq == 0x22, answer
                return answer.payload


@pytest.fixture
def serve(tmp_path):
    started: list[subprocess.Popen] = []

    def start(*options: str) -> Server:
        log = tmp_path / f"server{len(started)}.log"
        with log.open("w") as err:
            proc = subprocess.Popen([sys.executable, "-m", "keybench.simulator", "serve", "--tcp", "127.0.0.1:0",
                                     "--seed", "1", *options], cwd=ROOT, stdout=subprocess.PIPE, stderr=err,
                                    text=True)
        started.append(proc)
        line = read_line(proc.stdout, timeout=20)
        assert line.startswith("listening on "), f"{line!r}; {log.read_text()}"
        return Server(proc, int(line.rsplit(":", 1)[1]), log)

    yield start
    for proc in started:
        stop(proc)


def frames(sock: socket.socket, count: int, timeout: float = 5.0) -> list:
    """Read until `count` frames or errors have arrived, the peer closed, or `timeout` passed."""
    decoder, out = FrameDecoder(), []
    deadline = time.monotonic() + timeout
    while len(out) < count and (left := deadline - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            data = sock.recv(65536)
        except socket.timeout:
            break
        if not data:
            break
        out += decoder.feed(data)
    return out


def closed_by_peer(sock: socket.socket, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            if not sock.recv(4096):
                return True
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True
    return False


def error_code(item) -> int:
    assert item.channel == Channel.ERROR, item
    return parse_error(item.payload)[0]


# Defect 1: one client's behaviour ends the server
def test_a_client_that_floods_and_leaves_without_reading_never_ends_the_server(serve):
    server = serve()
    for _ in range(3):
        with server.connect() as sock:
            sock.sendall(SCREEN * 5000)
        assert server.lifecycle_when_free() == bytes([imkey.Lifecycle.PIN_UNSET]) + b"\x90\x00"
    server.assert_alive()


def test_a_client_that_resets_the_connection_never_ends_the_server(serve):
    server = serve()
    for _ in range(5):
        sock = server.connect()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close sends RST
        sock.sendall(SCREEN)
        sock.close()
        assert server.lifecycle_when_free() == bytes([imkey.Lifecycle.PIN_UNSET]) + b"\x90\x00"
    server.assert_alive()


# Defect 3: a truncated frame swallows the next good one
def test_a_truncated_frame_never_swallows_the_good_frame_behind_it(serve):
    server = serve()
    good = Frame(Channel.HOST, 0x42, imkey.LIFECYCLE.encode()).encode()
    with server.connect() as sock:
        sock.sendall(bytes.fromhex("4B42013D03E8") + b"\x01\x02\x03\x04" + good)
        error, answer = frames(sock, 2, timeout=5)
    assert error_code(error) == ErrorCode.TRUNCATED and error.seq == 0x3D
    assert answer.channel == Channel.HOST and answer.seq == 0x42


def test_a_bad_crc_on_the_debug_channel_gets_error_01_and_the_next_frame_survives(serve):
    server = serve()
    corrupt = bytearray(Frame(Channel.DEBUG, 0x50, bytes([Op.SCREEN])).encode())
    corrupt[-1] ^= 0xFF
    with server.connect() as sock:
        sock.sendall(bytes(corrupt) + SCREEN)
        error, answer = frames(sock, 2)
    assert error_code(error) == ErrorCode.BAD_CRC and error.seq == 0x50
    assert answer.channel == Channel.DEBUG and answer.seq == 0x44


# Defect 5: one client at a time, forever
def test_a_second_client_is_told_busy_and_closed_while_the_first_is_served(serve):
    server = serve()
    with server.connect() as first:
        first.sendall(SCREEN)
        assert frames(first, 1)[0].seq == 0x44
        with server.connect() as second:
            second.sendall(Frame(Channel.HOST, 0x11, imkey.LIFECYCLE.encode()).encode())
            (busy,) = frames(second, 1)
            assert error_code(busy) == ErrorCode.BUSY and "another host is connected" in str(busy.payload)
            assert closed_by_peer(second, timeout=5)
        first.sendall(SCREEN)  # the first client is still served
        assert frames(first, 1)[0].seq == 0x44
    assert server.lifecycle()[-2:] == b"\x90\x00"  # the next client is served


def test_a_client_that_just_left_never_makes_the_next_one_busy(serve):
    server = serve()
    for seq in range(30):  # the goodbye and the next hello reach the server together
        assert server.lifecycle(seq) == bytes([imkey.Lifecycle.PIN_UNSET]) + b"\x90\x00"


def test_a_host_that_finds_the_device_busy_says_so(serve):
    server = serve()
    with server.connect():
        transport = SerialTransport(f"socket://127.0.0.1:{server.port}")
        try:
            with pytest.raises(SessionSyncFailed, match="the device is busy: another host is connected; try again"):
                Link(transport).open_session()
        finally:
            transport.close()


def test_an_idle_client_is_closed_after_the_idle_timeout_and_no_longer_blocks_others(serve):
    server = serve("--idle-timeout", "1")
    with server.connect() as idle:
        assert closed_by_peer(idle, timeout=10)
    assert server.lifecycle()[-2:] == b"\x90\x00"


def test_a_bad_idle_timeout_is_refused_with_a_clear_message():
    result = subprocess.run([sys.executable, "-m", "keybench.simulator", "serve", "--tcp", "127.0.0.1:0",
                             "--idle-timeout", "-3"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "--idle-timeout" in result.stderr and "-3" in result.stderr


# Spec gaps: the session sync, the error-frame limit, pipelining
def test_sync_echoes_the_nonce_in_every_state_and_changes_nothing(serve):
    server = serve()
    with server.connect() as sock:
        sock.sendall(Frame(Channel.SYNC, 0x90, b"\x01\x02\x03\x04\x05\x06\x07\x08").encode())
        (answer,) = frames(sock, 1)
        assert answer == Frame(Channel.SYNC, 0x90, b"\x01\x02\x03\x04\x05\x06\x07\x08")
        sock.sendall(Frame(Channel.SYNC, 0x91, b"\x01" * 7).encode() + Frame(Channel.SYNC, 0x92, b"").encode())
        short, empty = frames(sock, 2)
        assert error_code(short) == ErrorCode.BAD_SYNC and short.seq == 0x91 and "7 bytes" in str(short.payload)
        assert error_code(empty) == ErrorCode.BAD_SYNC and empty.seq == 0x92
    transport = SerialTransport(f"socket://127.0.0.1:{server.port}")
    try:
        link = Link(transport)
        link.open_session()
        link.debug_ok(Op.ARM_POWER_CUT, b"\x00\x01")
        link.debug_ok(Op.TYPE, b"123456")
        link.debug_ok(Op.PRESS, b"\x01")  # SET_PIN confirm writes nothing; CONFIRM_PIN confirm stores the PIN
        link.debug_ok(Op.TYPE, b"123456")
        with pytest.raises(PoweredOff, match="powered_off"):
            link.debug(Op.PRESS, b"\x01")
        link.open_session()  # answered by a device that is off
        with pytest.raises(PoweredOff, match="device_off"):
            link.apdu(imkey.LIFECYCLE)
    finally:
        transport.close()


def test_a_garbage_burst_costs_one_error_frame_and_the_next_frame_is_answered(serve):
    server = serve()
    good = Frame(Channel.HOST, 0x33, imkey.LIFECYCLE.encode()).encode()
    with server.connect() as sock:
        sock.sendall(b"KB" * 100_000 + good)  # 200 KB, every pair an impossible header
        received = frames(sock, 2, timeout=20)
    assert [error_code(item) for item in received[:-1]] == [ErrorCode.TOO_LONG]
    assert received[-1].channel == Channel.HOST and received[-1].seq == 0x33


def test_pipelined_requests_are_all_answered_in_order(serve):
    server = serve()
    requests = [Frame(Channel.HOST, seq, imkey.LIFECYCLE.encode()).encode() for seq in range(40)]
    with server.connect() as sock:
        sock.sendall(b"".join(requests))
        answers = frames(sock, 40)
    assert [a.seq for a in answers] == list(range(40)) and {a.channel for a in answers} == {Channel.HOST}


# Defect 6: a malformed PIN entry costs a PIN attempt
@pytest.mark.parametrize("screen", ["locked", "reset"])
def test_confirming_a_malformed_pin_costs_no_attempt(serve, screen):
    server = serve()
    transport = SerialTransport(f"socket://127.0.0.1:{server.port}")
    try:
        link = Link(transport)
        link.open_session()
        user = DeviceUser(DebugLinkHands(link))
        user.set_pin("123456")
        link.debug_ok(Op.POWER_CYCLE)
        if screen == "reset":
            user.unlock("123456")
            link.debug_ok(Op.CHOOSE, b"Settings")
            link.debug_ok(Op.CHOOSE, b"Reset device")
        writes = link.debug_ok(Op.STORAGE_WRITES)
        for entry in [b"", b"abc", b"12", b"123456789", b"12345a"] * 2:  # ten: twice what wipes a device
            if entry:
                link.debug_ok(Op.TYPE, entry)
            assert link.debug(Op.PRESS, b"\x01")[0] == SW.COMMAND_DATA_ERROR
            lines = link.debug_ok(Op.SCREEN).decode().split("\n")
            assert lines[1] == "PIN must be 6 to 8 digits" and lines[-1] == "5 attempts left", lines
        assert link.debug_ok(Op.STORAGE_WRITES) == writes  # nothing written: the count was never touched
        link.debug_ok(Op.TYPE, b"000000")
        assert link.debug(Op.PRESS, b"\x01")[0] == 0x63C4  # a real wrong PIN still counts
    finally:
        transport.close()
