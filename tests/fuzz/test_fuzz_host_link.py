"""Property tests of the simulator's host link and debug link (protocol/apdu.py, simulator/host_commands.py,
simulator/device.py; docs/protocol.md sections 2 and 3): any APDU bytes get a documented status word and an APDU
the device refuses changes nothing; any debug message gets an answer or a documented error frame; any byte
stream into the simulator's endpoint gets whole frames back and never an exception."""
from __future__ import annotations

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

import fuzzkit
from keybench.protocol.apdu import ApduLengthError, Command
from keybench.protocol.debuglink import Op
from keybench.protocol.framing import Channel, ErrorCode, Frame, FrameDecoder, FrameError
from keybench.protocol.imkey import Aid
from keybench.simulator.server import StreamEndpoint

KNOWN_INS = [(0x00, 0xA4), (0x80, 0xCB), (0x80, 0xCA), (0x00, 0xD6), (0xFF, 0xDC), (0xFF, 0xDB), (0xFF, 0xDA),
             (0x80, 0x71), (0x80, 0x74), (0x80, 0x72), (0x80, 0x73), (0x80, 0x75), (0x80, 0x43), (0x80, 0x53)]
P1P2 = [(0x04, 0x00), (0x80, 0x00), (0x00, 0x44), (0xFE, 0xED), (0x46, 0x54), (0x00, 0x00), (0x01, 0x00)]
DATA = [b"", b"kb1", b"imKeyPro", b"bad name", bytes.fromhex("DFFF028101"), bytes.fromhex("DFFF028003"),
        *(aid.value for aid in Aid), b"m/44'/60'/0'/0/0", b"m/0/1", b"m//0", b"m/2147483648", b"x" * 12,
        b"\x04" + bytes(64), b"\x04" + bytes(112)]

# Well-formed APDUs for the commands the device knows, with every field open to a wrong value, and raw bytes.
structured = st.builds(
    lambda ci, p, data, le: Command(ci[0], ci[1], p[0], p[1], data, le).encode(),
    st.sampled_from(KNOWN_INS) | st.tuples(st.sampled_from([0x00, 0x80, 0xFF, 0x90]), st.integers(0, 255)),
    st.sampled_from(P1P2) | st.tuples(st.integers(0, 255), st.integers(0, 255)),
    st.sampled_from(DATA) | st.binary(min_size=1, max_size=255),
    st.none() | st.integers(0, 255))
apdus = structured | st.binary(max_size=300)
states = st.tuples(st.sampled_from(fuzzkit.STATES), st.booleans(), st.none() | st.sampled_from([a.value for a in Aid]))


def snapshot(dev) -> tuple:
    return (bytes(dev.flash.data), dev.ui.lifecycle(), dev.selected, dev.unlocked, tuple(dev.ui.lines()), dev.off)


@given(raw=apdus)
def test_apdu_parser_gives_a_command_or_a_length_error(raw):
    try:
        cmd = Command.decode(raw)
    except ApduLengthError as exc:
        assert exc.sw == 0x6700
        return
    assert cmd.encode() == raw  # the parse loses nothing


@given(state=states, batch=st.lists(apdus, min_size=1, max_size=30))
def test_any_apdu_gets_a_documented_status_word_and_a_refusal_changes_nothing(state, batch):
    dev = fuzzkit.device(*state)
    for seq, raw in enumerate(batch):
        before = snapshot(dev)
        answer = dev.handle(Frame(Channel.HOST, seq, raw))
        fuzzkit.COUNTS["APDUs into the simulator"] += 1
        assert answer.channel == Channel.HOST and answer.seq == seq, answer
        assert len(answer.payload) >= 2
        sw = int.from_bytes(answer.payload[-2:], "big")
        assert sw in fuzzkit.DOCUMENTED_SW, f"{raw.hex()} answered {sw:04X}"
        if sw != 0x9000:
            assert answer.payload == sw.to_bytes(2, "big"), "a refused APDU carried data"
            assert snapshot(dev) == before, f"the refused APDU {raw.hex()} ({sw:04X}) changed the device"


debug_messages = st.one_of(
    st.builds(lambda op, arg: bytes([op]) + arg, st.sampled_from(list(Op)),
              st.sampled_from([b"", b"\x01", b"\x02", b"\x00\x01", b"123456", b"12", b"Create wallet",
                               b"Restore wallet", b"Settings", b"Back", b"Reset device", b"abandon", bytes(8)])
              | st.binary(max_size=80)),
    st.binary(max_size=80))


@given(state=states, batch=st.lists(st.tuples(st.booleans(), apdus | debug_messages), min_size=1, max_size=30))
@settings(max_examples=fuzzkit.examples(0.5))
def test_any_debug_message_gets_an_answer_or_a_documented_error(state, batch):
    dev = fuzzkit.device(*state)
    for seq, (is_apdu, payload) in enumerate(batch):
        was_off = dev.off
        channel = Channel.HOST if is_apdu else Channel.DEBUG
        answer = dev.handle(Frame(channel, seq, payload))
        fuzzkit.COUNTS["APDUs into the simulator" if is_apdu else "debug messages into the simulator"] += 1
        assert answer.seq == seq
        if answer.channel == Channel.ERROR:
            code = answer.payload[0]
            if was_off:
                assert code == ErrorCode.DEVICE_OFF
            else:
                assert code in (ErrorCode.BAD_DEBUG_MESSAGE, ErrorCode.POWERED_OFF), answer
                assert code == ErrorCode.POWERED_OFF or not is_apdu
        else:
            assert answer.channel == channel and len(answer.payload) >= 2
            assert not was_off or payload == bytes([Op.POWER_ON])


frames = st.builds(Frame, channel=st.sampled_from([0x01, 0x01, 0x02, 0x02, 0x03, 0x0F, 0x05]),
                   seq=st.integers(0, 255), payload=apdus | debug_messages)
pieces = frames.map(Frame.encode) | st.binary(max_size=30) | frames.map(lambda f: f.encode()[:-1])


@given(state=states, stream=st.lists(pieces, min_size=1, max_size=40))
def test_any_byte_stream_into_the_simulator_gets_whole_frames_back(state, stream):
    endpoint = StreamEndpoint(fuzzkit.device(*state), clock=lambda: 0.0)
    out = b""
    for piece in stream:
        out += endpoint.feed(piece)
    out += endpoint.expire()
    fuzzkit.COUNTS["frames into the simulator"] += sum(p.startswith(b"KB") for p in stream)
    decoder = FrameDecoder()
    answers = decoder.feed(out)
    assert not decoder.mid_frame, "the simulator sent half a frame"
    assert all(not isinstance(a, FrameError) for a in answers), "the simulator sent a corrupt frame"
    assert all(a.channel in (Channel.HOST, Channel.DEBUG, Channel.SYNC, Channel.ERROR) for a in answers)
