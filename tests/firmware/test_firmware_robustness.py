"""Issue 12, firmware side: each defect reproduced from the outside, with raw bytes, on the host build and on the
qemu board image under QEMU. Every one of these failed on the firmware before the fix (see the commit)."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "firmware" / "tools"))

from fwdevices import BACKENDS, QemuFw, missing_tools, open_device  # noqa: E402
from keybench.protocol import imkey  # noqa: E402
from keybench.protocol.debuglink import Op  # noqa: E402
from keybench.protocol.framing import Channel, ErrorCode, Frame  # noqa: E402
from keybench.protocol.status import SW  # noqa: E402
from test_firmware_bad_input import (Raw, assert_still_serving, error_of, restore_wallet,  # noqa: E402
                                    simulator_says)

SYNC = 0x03  # the session-sync channel (docs/protocol.md section 1)
BAD_SYNC = 0x06


@pytest.fixture(params=BACKENDS, scope="module")
def dev(request):
    d = open_device(request.param)
    yield d
    d.close()


def sync_frame(seq: int, nonce: bytes) -> bytes:
    return Frame(SYNC, seq, nonce).encode()


# --- defect 2: a full receive buffer never wedges the UART -----------------------------------------------------

def test_200_requests_in_one_write_are_all_answered(dev):
    """About 6.4 KB in one write: three times the firmware's 2 KiB receive ring."""
    restore_wallet(dev)
    dev.link.apdu_ok(imkey.select(imkey.Aid.ETH))
    raw = Raw(dev)
    apdu = imkey.get_pubkey(imkey.Aid.ETH, "m/44'/60'/0'/0/0").encode()
    burst = b"".join(Frame(Channel.HOST, seq, apdu).encode() for seq in range(200))
    assert len(burst) > 3 * 2048
    raw.send(burst)
    got = raw.frames(120.0, count=200)
    assert [f.seq for f in got] == list(range(200))
    assert {(f.channel, f.payload[-2:]) for f in got} == {(Channel.HOST, b"\x90\x00")}
    assert len({f.payload for f in got}) == 1
    assert_still_serving(dev)


# --- defect 3: a truncated frame does not swallow the good frame behind it ------------------------------------

def test_a_truncated_frame_does_not_swallow_the_next_one(dev):
    dev.link.debug_ok(Op.FACTORY_ERASE)  # the state simulator_says starts from
    raw = Raw(dev)
    stub = bytes.fromhex("4B42013D03E8") + b"\x01\x02\x03\x04"  # announces 1000 bytes, sends 4
    good = Frame(Channel.HOST, 0x3E, imkey.LIFECYCLE.encode()).encode()
    raw.send(stub + good)
    got = raw.frames(3.0, count=2)
    assert got == simulator_says(stub + good, then_silence=True)
    assert [error_of(got[0])] == [(ErrorCode.TRUNCATED, 0x3D)]
    assert got[1].channel == Channel.HOST and got[1].seq == 0x3E and got[1].payload[-2:] == b"\x90\x00"


# --- error-frame amplification: corrupt input gets one error frame per burst (docs/protocol.md 1.2) ----------

def test_a_flood_of_impossible_headers_costs_one_error_frame(dev):
    dev.link.debug_ok(Op.FACTORY_ERASE)  # the state simulator_says starts from
    raw = Raw(dev)
    flood = b"KB\x01\x07\xff\xff" * 4000  # 24 KB, each header announcing 65535 bytes (error 02)
    good = Frame(Channel.HOST, 0x08, imkey.LIFECYCLE.encode()).encode()
    raw.send(flood + good)
    got = raw.frames(10.0, count=2)
    assert got == simulator_says(flood + good)
    assert [f.channel for f in got] == [Channel.ERROR, Channel.HOST]
    assert error_of(got[0]) == (ErrorCode.TOO_LONG, 0x07)
    assert raw.frames(0.7) == []  # nothing suppressed comes later


def test_an_intact_frame_ends_the_burst(dev):
    dev.link.debug_ok(Op.FACTORY_ERASE)
    raw = Raw(dev)
    bad = bytearray(Frame(Channel.HOST, 0x09, imkey.LIFECYCLE.encode()).encode())
    bad[-1] ^= 0xFF
    good = Frame(Channel.HOST, 0x0A, imkey.LIFECYCLE.encode()).encode()
    data = bytes(bad) * 3 + good + bytes(bad) * 2
    raw.send(data)
    got = raw.frames(3.0, count=3)
    assert got == simulator_says(data)
    assert [f.channel for f in got] == [Channel.ERROR, Channel.HOST, Channel.ERROR]
    assert raw.frames(0.7) == []


# --- defect 4: the session sync -----------------------------------------------------------------------------

def test_sync_echoes_the_nonce_and_changes_nothing(dev):
    link = dev.link
    link.debug_ok(Op.FACTORY_ERASE)
    screen = link.debug_ok(Op.SCREEN)
    writes = link.debug_ok(Op.STORAGE_WRITES)
    raw = Raw(dev)
    raw.send(sync_frame(0x77, bytes.fromhex("0011223344556677")))
    got = raw.frames(2.0, count=1)
    assert got == [Frame(SYNC, 0x77, bytes.fromhex("0011223344556677"))]
    assert link.debug_ok(Op.SCREEN) == screen
    assert link.debug_ok(Op.STORAGE_WRITES) == writes


@pytest.mark.parametrize("nonce", [b"", b"\x01" * 7, b"\x01" * 9, b"\x01" * 1024])
def test_a_sync_that_is_not_8_bytes_gets_bad_sync(dev, nonce):
    raw = Raw(dev)
    raw.send(sync_frame(0x78, nonce))
    got = raw.frames(2.0, count=1)
    assert [error_of(f) for f in got] == [(BAD_SYNC, 0x78)]
    assert got == simulator_says(sync_frame(0x78, nonce))  # the message too, byte for byte
    assert_still_serving(dev)


def test_sync_is_answered_by_a_device_that_is_off(dev):
    link = dev.link
    link.debug_ok(Op.FACTORY_ERASE)
    link.debug_ok(Op.TYPE, b"123456")
    link.debug_ok(Op.ARM_POWER_CUT, b"\x00\x01")
    link.debug_ok(Op.PRESS, b"\x01")  # SET_PIN -> CONFIRM_PIN writes nothing
    link.debug_ok(Op.TYPE, b"123456")
    raw = Raw(dev)
    raw.send(Frame(Channel.DEBUG, 0x50, bytes([Op.PRESS, 1])).encode())
    assert error_of(raw.frames(2.0, count=1)[0]) == (ErrorCode.POWERED_OFF, 0x50)
    raw.send(sync_frame(0x51, b"offline!"))
    assert raw.frames(2.0, count=1) == [Frame(SYNC, 0x51, b"offline!")]
    raw.send(sync_frame(0x52, b"short"))
    assert [error_of(f) for f in raw.frames(2.0, count=1)] == [(BAD_SYNC, 0x52)]
    raw.send(Frame(Channel.HOST, 0x53, imkey.LIFECYCLE.encode()).encode())
    assert [error_of(f) for f in raw.frames(2.0, count=1)] == [(ErrorCode.DEVICE_OFF, 0x53)]
    link.debug_ok(Op.POWER_ON)


def test_sync_after_a_previous_clients_half_sent_frame(dev):
    """What a new host sees when the last one left mid-frame: the half frame expires, the sync is answered."""
    raw = Raw(dev)
    half = Frame(Channel.HOST, 0x60, bytes(600)).encode()[:300]
    raw.send(half + sync_frame(0x61, b"newhost!"))
    got = raw.frames(3.0, count=2)
    assert [f.channel for f in got] == [Channel.ERROR, SYNC]
    assert error_of(got[0]) == (ErrorCode.TRUNCATED, 0x60)
    assert got[1] == Frame(SYNC, 0x61, b"newhost!")


def test_a_new_host_on_the_qemu_line_gets_no_stale_answers():
    """QEMU's chardev passes the line from one client to the next untouched: the first leaves with answers unread
    and half a frame sent; the second's session sync (rigs/link.py) drops all of it."""
    from keybench.rigs.link import Link
    from keybench.rigs.serial_transport import SerialTransport
    if (why := missing_tools("qemu")) is not None:
        pytest.skip(f"firmware qemu backend unavailable: {why}")
    dev = QemuFw()
    try:
        url = f"socket://127.0.0.1:{dev.target.serial_port}"
        unread = b"".join(Frame(Channel.HOST, seq, imkey.LIFECYCLE.encode()).encode() for seq in range(1, 40))
        half = Frame(Channel.HOST, 0x41, bytes(300)).encode()[:50]
        dev.link.transport.write(unread + half)
        dev.link.transport.close()  # leaves without reading
        second = Link(SerialTransport(url))
        dev.link = second
        second.open_session()
        assert len(second.apdu_ok(imkey.SE_ID)) == 16  # a stale lifecycle answer with this seq would be 1 byte
        assert second.debug_ok(Op.SCREEN).startswith(b"Set PIN")
    finally:
        dev.close()


# --- defect 6: a PIN entry that is not 6-8 digits costs no attempt ---------------------------------------------

@pytest.mark.parametrize("entry", [b"", b"abc", b"12", b"123456789", b"12345a"])
def test_a_malformed_pin_costs_no_attempt(dev, entry):
    link = dev.link
    link.debug_ok(Op.FACTORY_ERASE)
    for _ in range(2):
        link.debug_ok(Op.TYPE, b"123456")
        link.debug_ok(Op.PRESS, b"\x01")
    dev.power_cycle()
    for screen in ("locked", "reset"):
        if screen == "reset":
            link.debug_ok(Op.TYPE, b"123456")
            link.debug_ok(Op.PRESS, b"\x01")
            link.debug_ok(Op.CHOOSE, b"Settings")
            link.debug_ok(Op.CHOOSE, b"Reset device")
        before = link.debug_ok(Op.STORAGE_WRITES)
        for _ in range(6):
            if entry:
                link.debug_ok(Op.TYPE, entry)
            sw, _ = link.debug(Op.PRESS, b"\x01")
            assert sw == SW.COMMAND_DATA_ERROR
        assert link.debug_ok(Op.STORAGE_WRITES) == before
        assert link.debug_ok(Op.SCREEN).endswith(b"5 attempts left")


# --- defect 5: one client at a time, a busy answer, an idle timeout (host build's TCP UART) ---------------------

def host_device(**kw):
    from hostdev import HostDevice
    why = missing_tools("host")
    if why:
        pytest.skip(f"firmware host backend unavailable: {why}")
    return HostDevice(**kw)


def test_a_second_client_gets_busy_and_the_first_keeps_its_session():
    import socket
    from keybench.protocol.framing import FrameDecoder
    from keybench.rigs.link import Link
    with host_device() as d:
        first = Link(d.transport())
        assert first.apdu(imkey.LIFECYCLE).sw == SW.OK
        with socket.create_connection(("127.0.0.1", d.port), timeout=5) as second:
            second.settimeout(5)
            data = b""
            while True:  # until the device closes it
                chunk = second.recv(4096)
                if not chunk:
                    break
                data += chunk
        [frame] = FrameDecoder().feed(data)
        assert frame.channel == Channel.ERROR and frame.payload[0] == 0x12
        assert b"another host is connected" in frame.payload
        assert first.apdu(imkey.LIFECYCLE).sw == SW.OK
        first.close()


def test_an_idle_client_is_closed_so_the_next_one_is_served():
    import socket
    from keybench.rigs.link import Link
    with host_device(extra_args=["--idle-timeout", "1"]) as d:
        with socket.create_connection(("127.0.0.1", d.port), timeout=5) as idle:
            idle.settimeout(5)
            assert idle.recv(4096) == b""  # closed by the device after 1 s without a byte
        nxt = Link(d.transport())
        assert nxt.apdu(imkey.LIFECYCLE).sw == SW.OK
        nxt.close()

