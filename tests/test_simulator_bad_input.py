"""Bad input gets a clear status or error frame; the device's state (storage, screen, RAM) is unchanged."""
import pytest

from keybench.protocol import imkey
from keybench.protocol.apdu import Response
from keybench.protocol.debuglink import Op
from keybench.protocol.framing import Channel, ErrorCode, Frame, FrameDecoder, parse_error
from keybench.protocol.imkey import Aid
from keybench.protocol.status import SW
from keybench.rigs.device_user import DeviceUser
from keybench.rigs.hands import DebugLinkHands
from keybench.rigs.link import Link
from keybench.rigs.targets.sim import LoopbackTransport
from keybench.simulator.device import Device
from keybench.simulator.server import StreamEndpoint


@pytest.fixture
def device():
    dev = Device(seed=7)
    user = DeviceUser(DebugLinkHands(Link(LoopbackTransport(StreamEndpoint(dev)))))
    user.set_pin("123456")
    user.create_wallet(12)
    return dev


def snapshot(dev: Device):
    return bytes(dev.flash.data), dev.ui.lines(), dev.ui.lifecycle(), dev.selected, dev.unlocked


def send(dev: Device, raw: bytes) -> list:
    out = StreamEndpoint(dev).feed(raw)
    return FrameDecoder().feed(out)


def apdu(dev: Device, hexstr: str) -> Response:
    (answer,) = send(dev, Frame(Channel.HOST, 1, bytes.fromhex(hexstr)).encode())
    return Response.decode(answer.payload)


@pytest.mark.parametrize("hexstr, sw", [
    ("80", SW.APDU_WRONG_LENGTH),
    ("80CA004403AA", SW.APDU_WRONG_LENGTH),
    ("80CA0044AABB", SW.APDU_WRONG_LENGTH),
    ("80CA004400AA", SW.APDU_WRONG_LENGTH),  # Lc 00 never introduces data: not a case-4 APDU
    ("80CB80000000", SW.APDU_WRONG_LENGTH),
    ("90CA004400", SW.CLA_NOT_SUPPORTED),
    ("80EE000000", SW.INS_NOT_SUPPORTED),
    ("8053000000", SW.INS_NOT_SUPPORTED),  # ETH INS without the ETH applet selected
    ("80CA004500", SW.INCORRECT_P1P2),
    ("80CB800003DFFF0200", SW.APDU_WRONG_LENGTH),
    ("80CB800005DFFF028102", SW.COMMAND_DATA_ERROR),
    ("00A4040003010203", SW.APPLET_NOT_EXIST),
    ("FFDA465403612D6200", SW.COMMAND_DATA_ERROR),  # BLE name "a-b"
])
def test_bad_apdus_answer_a_status_and_change_nothing(device, hexstr, sw):
    before = snapshot(device)
    assert apdu(device, hexstr).sw == sw
    assert snapshot(device) == before


@pytest.mark.parametrize("path", ["m/44'", "44'/60'/0'", "m/44'/60'/x", "m/2147483648/0", ""])
def test_bad_paths_answer_6a80(device, path):
    assert apdu(device, "00A4040005" + Aid.ETH.value.hex()).ok
    before = snapshot(device)
    raw = imkey.get_pubkey(Aid.ETH, path).encode() if path else bytes.fromhex("8053000000")
    response = apdu(device, raw.hex())
    assert response.sw == SW.COMMAND_DATA_ERROR
    assert snapshot(device) == before


def test_bind_check_with_a_point_off_the_curve(device):
    assert apdu(device, "00A4040005" + Aid.IMK.value.hex()).ok
    before = snapshot(device)
    assert apdu(device, "8071000041" + "04" + "11" * 64 + "00").sw == SW.COMMAND_DATA_ERROR
    assert snapshot(device) == before


@pytest.mark.parametrize("payload, why", [
    (b"", "empty"), (b"\x7f", "unknown debug op 0x7F"), (b"\x01", "takes 1 argument"),
    (bytes([Op.SEED_RNG, 1, 2]), "takes 8 argument"),
])
def test_malformed_debug_messages_get_error_frame_05(device, payload, why):
    before = snapshot(device)
    (answer,) = send(device, Frame(Channel.DEBUG, 4, payload).encode())
    code, message = parse_error(answer.payload)
    assert answer.channel == Channel.ERROR and answer.seq == 4 and code == ErrorCode.BAD_DEBUG_MESSAGE
    assert why in message
    assert snapshot(device) == before


def test_corrupt_and_oversized_frames_get_error_frames_and_the_device_keeps_serving(device):
    before = snapshot(device)
    good = Frame(Channel.HOST, 2, imkey.LIFECYCLE.encode()).encode()
    corrupt = bytearray(good)
    corrupt[-1] ^= 0xFF
    oversized = b"KB\x01\x03\x10\x00"
    answers = send(device, bytes(corrupt) + good + oversized + good)
    codes = [parse_error(a.payload)[0] if a.channel == Channel.ERROR else "answer" for a in answers]
    assert codes == [ErrorCode.BAD_CRC, "answer", ErrorCode.TOO_LONG, "answer"]
    assert Response.decode(answers[-1].payload).data == bytes([imkey.Lifecycle.READY])
    assert snapshot(device) == before


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_corrupt_input_gets_one_error_frame_per_burst(device):
    """docs/protocol.md 1.2: a burst ends at an intact frame or at 500 ms of silence; 04 is never limited."""
    clock = Clock()
    endpoint = StreamEndpoint(device, clock=clock)
    corrupt = bytearray(Frame(Channel.HOST, 3, imkey.LIFECYCLE.encode()).encode())
    corrupt[-1] ^= 0xFF
    unknown = Frame(0x07, 4, b"").encode()

    def codes(raw: bytes) -> list:
        return [parse_error(a.payload)[0] if a.channel == Channel.ERROR else "answer"
                for a in FrameDecoder().feed(endpoint.feed(raw))]

    assert codes(bytes(corrupt) * 3 + b"KB\xff\xff\xff\xff" * 50) == [ErrorCode.BAD_CRC]
    assert endpoint.suppressed == 52
    clock.now += 0.4
    assert codes(bytes(corrupt)) == []  # the same burst: no silence of 500 ms yet
    clock.now += 0.5
    assert codes(bytes(corrupt) * 2) == [ErrorCode.BAD_CRC]  # a new burst
    assert codes(unknown + bytes(corrupt) + unknown + unknown) == [ErrorCode.UNKNOWN_CHANNEL, ErrorCode.BAD_CRC,
                                                                   ErrorCode.UNKNOWN_CHANNEL,
                                                                   ErrorCode.UNKNOWN_CHANNEL]
    assert codes(bytes(corrupt) + Frame(Channel.SYNC, 5, bytes(8)).encode() + bytes(corrupt)) == [
        ErrorCode.BAD_CRC, "answer", ErrorCode.BAD_CRC]


def test_a_late_byte_expires_the_partial_frame_the_caller_forgot_to_expire(device):
    clock = Clock()
    endpoint = StreamEndpoint(device, clock=clock)
    good = Frame(Channel.HOST, 8, imkey.LIFECYCLE.encode()).encode()
    assert endpoint.feed(good[:5]) == b""
    clock.now += 0.6
    error, answer = FrameDecoder().feed(endpoint.feed(good))
    assert parse_error(error.payload)[0] == ErrorCode.TRUNCATED and answer.seq == 8


def test_sync_is_echoed_even_when_off_and_changes_nothing(device):
    before = snapshot(device)
    (answer,) = send(device, Frame(Channel.SYNC, 0xA0, b"nonce-08").encode())
    assert answer == Frame(Channel.SYNC, 0xA0, b"nonce-08")
    for payload in (b"", b"1234567", b"123456789"):
        (error,) = send(device, Frame(Channel.SYNC, 0xA1, payload).encode())
        code, message = parse_error(error.payload)
        assert code == ErrorCode.BAD_SYNC and error.seq == 0xA1 and f"{len(payload)} bytes" in message
    assert snapshot(device) == before
    device.off = True
    (answer,) = send(device, Frame(Channel.SYNC, 0xA2, b"\x00" * 8).encode())
    assert answer == Frame(Channel.SYNC, 0xA2, b"\x00" * 8) and device.off


def test_truncated_frame_expires(device):
    endpoint = StreamEndpoint(device)
    assert endpoint.feed(Frame(Channel.HOST, 5, b"\x80\xca\x00\x44\x00").encode()[:7]) == b""
    (answer,) = FrameDecoder().feed(endpoint.expire())
    assert parse_error(answer.payload)[0] == ErrorCode.TRUNCATED and answer.seq == 5


def test_error_frames_from_the_host_get_no_answer(device):
    assert send(device, Frame(Channel.ERROR, 1, b"\x01oops").encode()) == []


def test_debug_ops_on_the_wrong_screen(device):
    link = Link(LoopbackTransport(StreamEndpoint(device)))
    before = snapshot(device)
    assert link.debug(Op.TYPE, b"123")[0] == SW.CONDITIONS_NOT_SATISFIED  # Home has no input field
    assert link.debug(Op.CHOOSE, b"Nope")[0] == SW.COMMAND_DATA_ERROR
    assert link.debug(Op.PRESS, b"\x09")[0] == SW.CONDITIONS_NOT_SATISFIED
    assert link.debug(Op.ARM_POWER_CUT, b"\x00\x00")[0] == SW.COMMAND_DATA_ERROR
    assert snapshot(device) == before


@pytest.mark.parametrize("screen", ["locked", "reset"])
@pytest.mark.parametrize("entry", ["", "abc", "12", "12345", "123456789", "12 456", "١٢٣٤٥٦"])
def test_a_malformed_pin_entry_costs_no_attempt(device, screen, entry):
    link = Link(LoopbackTransport(StreamEndpoint(device)))
    link.debug_ok(Op.POWER_CYCLE)
    if screen == "reset":
        DeviceUser(DebugLinkHands(link)).unlock("123456")
        link.debug_ok(Op.CHOOSE, b"Settings")
        link.debug_ok(Op.CHOOSE, b"Reset device")
    before = snapshot(device)
    if entry.isascii():
        link.debug_ok(Op.TYPE, entry.encode())
    else:
        assert link.debug(Op.TYPE, entry.encode())[0] == SW.COMMAND_DATA_ERROR  # the field stays empty
    assert link.debug(Op.PRESS, b"\x01")[0] == SW.COMMAND_DATA_ERROR
    lines = device.ui.lines()
    assert "PIN must be 6 to 8 digits" in lines and lines[-1] == "5 attempts left"
    assert snapshot(device)[0] == before[0] and device.pin_fails == 0  # storage untouched
    link.debug_ok(Op.TYPE, b"123456")
    sw = link.debug(Op.PRESS, b"\x01")[0]
    assert sw == SW.OK and (device.pin_hash is None) == (screen == "reset")  # a right PIN still works


def test_a_device_that_is_off_says_so(device):
    link = Link(LoopbackTransport(StreamEndpoint(device)))
    link.debug_ok(Op.ARM_POWER_CUT, b"\x00\x01")
    link.debug_ok(Op.CHOOSE, b"Settings")
    link.debug_ok(Op.CHOOSE, b"Reset device")
    link.debug_ok(Op.TYPE, b"111111")
    from keybench.rigs.link import PoweredOff

    with pytest.raises(PoweredOff, match="powered_off"):
        link.debug(Op.PRESS, b"\x01")
    with pytest.raises(PoweredOff, match="device_off"):
        link.apdu(imkey.LIFECYCLE)
    link.debug_ok(Op.POWER_ON)
    assert link.apdu_ok(imkey.LIFECYCLE) == bytes([imkey.Lifecycle.READY])
    assert device.pin_fails == 0  # the cut write was the count: the attempt never happened


@pytest.mark.parametrize("cut_at", [1, 2])
def test_a_power_cut_while_storing_a_new_wallet_never_leaves_a_wallet_without_its_binding_code(cut_at):
    from keybench.rigs.link import PoweredOff

    dev = Device(seed=11)
    link = Link(LoopbackTransport(StreamEndpoint(dev)))
    user = DeviceUser(DebugLinkHands(link))
    user.set_pin("123456")
    user.start_wallet("Create wallet", 12)
    words = user.read_words()
    link.debug_ok(Op.ARM_POWER_CUT, bytes([0, cut_at]))  # the last check word commits: two writes
    with pytest.raises(PoweredOff):
        user.answer_checks(words)
    link.debug_ok(Op.POWER_ON)
    user.unlock("123456")
    assert not dev.has_wallet  # whichever write was cut, the wallet (the seed, written last) is not there
    assert user.create_wallet(12)  # and a new one can be made; it has its code
    assert dev.has_wallet and dev.binding_code is not None
