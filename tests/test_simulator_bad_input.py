"""Bad input gets a clear status or error frame; the device's state (storage, screen, RAM) is unchanged."""
import pytest

from protocol import imkey
from protocol.apdu import Response
from protocol.debuglink import Op
from protocol.framing import Channel, ErrorCode, Frame, FrameDecoder, parse_error
from protocol.imkey import Aid
from protocol.status import SW
from rigs.device_user import DeviceUser
from rigs.hands import DebugLinkHands
from rigs.link import Link
from rigs.targets.sim import LoopbackTransport
from simulator.device import Device
from simulator.server import StreamEndpoint


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
    answers = send(device, bytes(corrupt) + oversized + good)
    codes = [parse_error(a.payload)[0] for a in answers if a.channel == Channel.ERROR]
    assert codes == [ErrorCode.BAD_CRC, ErrorCode.TOO_LONG]
    assert Response.decode(answers[-1].payload).data == bytes([imkey.Lifecycle.READY])
    assert snapshot(device) == before


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


def test_a_device_that_is_off_says_so(device):
    link = Link(LoopbackTransport(StreamEndpoint(device)))
    link.debug_ok(Op.ARM_POWER_CUT, b"\x00\x01")
    link.debug_ok(Op.CHOOSE, b"Settings")
    link.debug_ok(Op.CHOOSE, b"Reset device")
    link.debug_ok(Op.TYPE, b"111111")
    from rigs.link import PoweredOff

    with pytest.raises(PoweredOff, match="powered_off"):
        link.debug(Op.PRESS, b"\x01")
    with pytest.raises(PoweredOff, match="device_off"):
        link.apdu(imkey.LIFECYCLE)
    link.debug_ok(Op.POWER_ON)
    assert link.apdu_ok(imkey.LIFECYCLE) == bytes([imkey.Lifecycle.READY])
    assert device.pin_fails == 0  # the cut write was the count: the attempt never happened


@pytest.mark.parametrize("cut_at", [1, 2])
def test_a_power_cut_while_storing_a_new_wallet_never_leaves_a_wallet_without_its_binding_code(cut_at):
    from rigs.link import PoweredOff

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
