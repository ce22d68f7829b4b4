"""Bad input never crashes or hangs the firmware: each kind gets the right error frame or status word, and the
next normal request is answered. Runs on the host build and on the qemu board image under QEMU."""
import random
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "firmware" / "tools"))

from fwdevices import BACKENDS, open_device  # noqa: E402
from keybench.protocol import imkey  # noqa: E402
from keybench.protocol.debuglink import Op  # noqa: E402
from keybench.protocol.framing import Channel, ErrorCode, Frame, FrameDecoder  # noqa: E402
from keybench.protocol.status import SW  # noqa: E402

MNEMONIC = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"


def reference_key(path: str) -> bytes:
    """pub 65 || chain code 32 at path, computed by bip-utils (not by the firmware's crypto)."""
    from bip_utils import Bip32Secp256k1
    from mnemonic import Mnemonic
    node = Bip32Secp256k1.FromSeed(Mnemonic.to_seed(MNEMONIC, "")).DerivePath(path)
    return node.PublicKey().RawUncompressed().ToBytes() + node.ChainCode().ToBytes()


@pytest.fixture(params=BACKENDS, scope="module")
def dev(request):
    d = open_device(request.param)
    yield d
    d.close()


class Raw:
    """Raw bytes on the link's transport, answers decoded with the reference decoder."""

    def __init__(self, dev):
        self.t = dev.link.transport
        self.t.drain()
        self.decoder = FrameDecoder()

    def send(self, data: bytes) -> None:
        self.t.write(data)

    def frames(self, wait: float, count: int | None = None) -> list:
        """Everything that arrives within `wait` seconds (sooner once `count` frames are in)."""
        out, end = [], time.monotonic() + wait
        while time.monotonic() < end and (count is None or len(out) < count):
            out += self.decoder.feed(self.t.read(min(0.05, max(end - time.monotonic(), 0))))
        return out


def assert_still_serving(dev):
    assert dev.link.apdu(imkey.LIFECYCLE).sw == SW.OK
    assert dev.link.debug(Op.SCREEN)[0] == SW.OK


def simulator_says(data: bytes, then_silence: bool = False) -> list:
    """The simulator's frames for the same bytes (and, optionally, 500 ms of silence after them)."""
    from keybench.simulator.device import Device
    from keybench.simulator.server import StreamEndpoint
    endpoint = StreamEndpoint(Device(seed=0))
    raw = endpoint.feed(data) + (endpoint.expire() if then_silence else b"")
    return FrameDecoder().feed(raw)


def error_of(frame: Frame) -> tuple[int, int]:
    assert frame.channel == Channel.ERROR, frame
    return frame.payload[0], frame.seq


def test_garbage_without_magic_is_ignored(dev):
    raw = Raw(dev)
    rnd = random.Random(1)
    raw.send(bytes(b for b in rnd.randbytes(600) if b != 0x4B))
    assert raw.frames(0.7) == []
    assert_still_serving(dev)


def test_garbage_with_magic_then_a_good_frame(dev):
    raw = Raw(dev)
    junk = b"KB\x01\x05\x00\x02\xAA" + b"\x00" * 20  # a header, then a payload and CRC that do not match
    good = Frame(Channel.DEBUG, 0x33, bytes([Op.SCREEN])).encode()
    dev.link.debug_ok(Op.FACTORY_ERASE)
    raw.send(junk + good)
    got = raw.frames(2.0, count=2)
    assert got == simulator_says(junk + good)
    assert error_of(got[0]) == (ErrorCode.BAD_CRC, 0x05)
    assert got[-1].channel == Channel.DEBUG and got[-1].seq == 0x33 and got[-1].payload[:2] == b"\x90\x00"


def test_a_garbage_flood_does_not_wedge_the_uart(dev):
    raw = Raw(dev)
    raw.send(b"\x00" * 20000)
    assert raw.frames(0.5) == []
    assert_still_serving(dev)


def test_truncated_frame_gets_error_03_after_500ms(dev):
    raw = Raw(dev)
    t0 = time.monotonic()
    partial = Frame(Channel.HOST, 0x21, imkey.LIFECYCLE.encode()).encode()[:7]
    raw.send(partial)
    got = raw.frames(3.0, count=1)
    elapsed = time.monotonic() - t0
    assert [error_of(f) for f in got] == [(ErrorCode.TRUNCATED, 0x21)]
    assert got == simulator_says(partial, then_silence=True)
    assert 0.45 <= elapsed <= 1.5, elapsed
    assert_still_serving(dev)


def test_bad_crc_gets_error_01_and_the_next_frame_survives(dev):
    raw = Raw(dev)
    bad = bytearray(Frame(Channel.HOST, 0x42, imkey.LIFECYCLE.encode()).encode())
    bad[-1] ^= 0xFF
    data = bytes(bad) + Frame(Channel.HOST, 0x43, imkey.LIFECYCLE.encode()).encode()
    raw.send(data)
    got = raw.frames(2.0, count=2)
    assert error_of(got[0]) == (ErrorCode.BAD_CRC, 0x42)
    assert got == simulator_says(data)
    assert got[1].channel == Channel.HOST and got[1].seq == 0x43 and got[1].payload[-2:] == b"\x90\x00"


@pytest.mark.parametrize("length", [1025, 0xFFFF])
def test_oversized_length_is_rejected_at_once(dev, length):
    raw = Raw(dev)
    t0 = time.monotonic()
    header = b"KB\x01\x09" + length.to_bytes(2, "big")
    raw.send(header)
    got = raw.frames(2.0, count=1)
    assert time.monotonic() - t0 < 0.4  # not after the 500 ms inter-byte timeout
    assert error_of(got[0]) == (ErrorCode.TOO_LONG, 0x09)
    assert got == simulator_says(header)
    raw.frames(0.7)  # the leftover header bytes end as a truncated frame or nothing
    assert_still_serving(dev)


def test_unknown_channel_gets_error_04(dev):
    raw = Raw(dev)
    data = Frame(0x07, 0x11, b"\x04").encode()
    raw.send(data)
    got = raw.frames(2.0, count=1)
    assert [error_of(f) for f in got] == [(ErrorCode.UNKNOWN_CHANNEL, 0x11)]
    assert got == simulator_says(data)
    assert_still_serving(dev)


def test_error_frame_from_the_host_gets_no_answer(dev):
    raw = Raw(dev)
    raw.send(Frame(Channel.ERROR, 0x12, b"\x01oops").encode())
    assert raw.frames(0.6) == []
    assert_still_serving(dev)


@pytest.mark.parametrize("payload", [b"", b"\x00", b"\x0C", b"\x0B", b"\x0B\x00\x00", b"\x01", b"\x01\x01\x01",
                                     b"\x04\x00", b"\x08\x01"])
def test_malformed_debug_message_gets_error_05(dev, payload):
    raw = Raw(dev)
    data = Frame(Channel.DEBUG, 0x13, payload).encode()
    raw.send(data)
    got = raw.frames(2.0, count=1)
    assert [error_of(f) for f in got] == [(ErrorCode.BAD_DEBUG_MESSAGE, 0x13)]
    assert got == simulator_says(data)
    assert_still_serving(dev)


@pytest.mark.parametrize("apdu, sw", [
    (b"", SW.APDU_WRONG_LENGTH),
    (b"\x80\xCA\x00", SW.APDU_WRONG_LENGTH),
    (bytes.fromhex("80CA004402AA"), SW.APDU_WRONG_LENGTH),      # Lc says 2, one byte follows
    (bytes.fromhex("80CA0044020000AABB"), SW.APDU_WRONG_LENGTH),
    (bytes.fromhex("80CA004401AA"), SW.APDU_WRONG_LENGTH),      # serial number takes no data
    (bytes.fromhex("80CB800004DFFF0281"), SW.APDU_WRONG_LENGTH),  # SE data needs Lc 5
    (bytes(300), SW.APDU_WRONG_LENGTH),
    (bytes(1024), SW.APDU_WRONG_LENGTH),
    (bytes.fromhex("90CA004400"), SW.CLA_NOT_SUPPORTED),
    (bytes.fromhex("80EE000000"), SW.INS_NOT_SUPPORTED),
    (bytes.fromhex("8043000000"), SW.INS_NOT_SUPPORTED),       # BTC applet not selected
    (bytes.fromhex("80CA004500"), SW.INCORRECT_P1P2),
    (bytes.fromhex("80CB800005DFFF028102"), SW.COMMAND_DATA_ERROR),
    (bytes.fromhex("00A4040003AABBCC00"), SW.APPLET_NOT_EXIST),
    (bytes.fromhex("FFDA465403612D6200"), SW.COMMAND_DATA_ERROR),  # BLE name "a-b"
])
def test_bad_apdus_get_their_status_word(dev, apdu, sw):
    answer = dev.link.apdu(apdu)
    assert (answer.sw, answer.data) == (sw, b"")
    assert_still_serving(dev)


def restore_wallet(dev, pin="123456"):
    link = dev.link
    link.debug_ok(Op.FACTORY_ERASE)
    for _ in range(2):
        link.debug_ok(Op.TYPE, pin.encode())
        link.debug_ok(Op.PRESS, b"\x01")
    link.debug_ok(Op.CHOOSE, b"Restore wallet")
    link.debug_ok(Op.TYPE, b"12")
    link.debug_ok(Op.PRESS, b"\x01")
    for word in MNEMONIC.split():
        link.debug_ok(Op.TYPE, word.encode())
        link.debug_ok(Op.PRESS, b"\x01")
    assert link.debug_ok(Op.SCREEN) == b"Home\nWallet ready\nSettings"


@pytest.mark.parametrize("path", ["m/44'/60'/0'/0/", "m/1", "m//0", "m/2147483648/0", "m/0'1/2", "n/0/1",
                                  "m/" + "/".join(["0"] * 11), "m/" + "1" * 99, "m/44'/60'/0'/0/0\x00"])
def test_bad_path_gets_6a80_and_a_good_one_works(dev, path):
    restore_wallet(dev)
    dev.link.apdu_ok(imkey.select(imkey.Aid.ETH))
    answer = dev.link.apdu(bytes([0x80, 0x53, 0, 0, len(path)]) + path.encode() + b"\x00")
    assert (answer.sw, answer.data) == (SW.COMMAND_DATA_ERROR, b"")
    good = dev.link.apdu_ok(imkey.get_pubkey(imkey.Aid.ETH, "m/44'/60'/0'/0/0"))
    assert good == reference_key("m/44'/60'/0'/0/0")
    bad_p1 = dev.link.apdu(bytes([0x80, 0x53, 0x01, 0x00, 4]) + b"m/0/" + b"\x00")
    assert bad_p1.sw == SW.INCORRECT_P1P2


def test_requests_to_a_powered_off_device_get_error_11_until_power_on(dev):
    link = dev.link
    link.debug_ok(Op.FACTORY_ERASE)
    link.debug_ok(Op.TYPE, b"123456")
    link.debug_ok(Op.PRESS, b"\x01")
    link.debug_ok(Op.TYPE, b"123456")
    link.debug_ok(Op.ARM_POWER_CUT, b"\x00\x01")
    raw = Raw(dev)
    raw.send(Frame(Channel.DEBUG, 0x50, bytes([Op.PRESS, 1])).encode())
    got = raw.frames(2.0, count=1)
    assert error_of(got[0]) == (ErrorCode.POWERED_OFF, 0x50)
    for seq, payload, channel in [(0x51, imkey.LIFECYCLE.encode(), Channel.HOST), (0x52, b"\x04", Channel.DEBUG),
                                  (0x53, b"\x05", Channel.DEBUG), (0x54, b"", Channel.DEBUG)]:
        raw.send(Frame(channel, seq, payload).encode())
        assert [error_of(f) for f in raw.frames(2.0, count=1)] == [(ErrorCode.DEVICE_OFF, seq)]
    link.debug_ok(Op.POWER_ON)
    assert link.debug_ok(Op.SCREEN) == b"Set PIN\nEnter 6 to 8 digits"  # the PIN write was cut half-way
    assert link.debug_ok(Op.POWER_ON) == b""  # harmless when on
