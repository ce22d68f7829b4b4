"""Property tests of the frame decoder (protocol/framing.py; docs/protocol.md section 1): any bytes in, only
frames and FrameErrors out, nothing invented, chunking does not matter, and a good frame after any garbage is
always decoded once the line goes quiet."""
from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

import fuzzkit
from keybench.protocol.framing import MAX_PAYLOAD, ErrorCode, Frame, FrameDecoder, FrameError

DECODER_ERRORS = {ErrorCode.BAD_CRC, ErrorCode.TOO_LONG, ErrorCode.TRUNCATED, ErrorCode.UNKNOWN_CHANNEL}

streams = fuzzkit.frame_streams


def quiet(decoder: FrameDecoder) -> list:
    """The line went quiet: the inter-byte timeout fires until nothing is buffered (docs/protocol.md 1.1)."""
    out: list = []
    for _ in range(MAX_PAYLOAD + 20):
        if not decoder.mid_frame:
            return out
        expired = decoder.expire()
        out += expired if isinstance(expired, list) else [expired] if expired else []
        out += decoder.feed(b"")
    raise AssertionError("the decoder still holds a partial frame after a timeout per buffered byte")


def check_items(items: list, stream: bytes) -> None:
    for item in items:
        if isinstance(item, Frame):
            assert len(item.payload) <= MAX_PAYLOAD
            assert item.encode() in stream, f"decoded {item} which the stream does not hold"
        else:
            assert isinstance(item, FrameError), f"the decoder returned {item!r}"
            assert item.code in DECODER_ERRORS and 0 <= item.seq <= 255


@given(stream=st.one_of(streams, st.binary(max_size=2000)), cuts=st.lists(st.integers(0, 2000), max_size=8))
def test_any_stream_gives_frames_and_errors_whatever_the_chunking(stream, cuts):
    whole = FrameDecoder()
    at_once = whole.feed(stream) + quiet(whole)
    chunked, decoder, start = [], FrameDecoder(), 0
    for cut in sorted(set(c for c in cuts if c < len(stream))) + [len(stream)]:
        chunked += decoder.feed(stream[start:cut])
        start = cut
    chunked += quiet(decoder)
    fuzzkit.COUNTS["byte streams into the Python frame decoder"] += 1
    check_items(at_once, stream)
    assert [repr(i) if isinstance(i, FrameError) else i for i in chunked] == \
        [repr(i) if isinstance(i, FrameError) else i for i in at_once]
    assert not whole.mid_frame and not decoder.mid_frame


@given(garbage=st.one_of(streams, st.binary(max_size=1200)),
       good=st.builds(Frame, channel=st.sampled_from([0x01, 0x02]), seq=st.integers(0, 255),
                      payload=st.binary(max_size=64)))
@example(garbage=bytes.fromhex("4B42013D03E8") + b"abcd", good=Frame(0x01, 7, bytes.fromhex("FFDCFEED00")))
@example(garbage=b"KB\x01\x05\x00", good=Frame(0x02, 1, b"\x04"))
def test_a_good_frame_after_any_garbage_is_decoded(garbage, good):
    decoder = FrameDecoder()
    decoder.feed(garbage)
    items = decoder.feed(good.encode())
    items += quiet(decoder)
    fuzzkit.COUNTS["good frames after garbage"] += 1
    assert good in items, f"{good} after {garbage.hex()} was lost: {items}"


@given(frame=st.builds(Frame, channel=st.integers(0, 255), seq=st.integers(0, 255),
                       payload=st.binary(max_size=MAX_PAYLOAD)),
       step=st.integers(1, 64))
def test_every_frame_round_trips_in_any_pieces(frame, step):
    raw, decoder, out = frame.encode(), FrameDecoder(), []
    for i in range(0, len(raw), step):
        out += decoder.feed(raw[i:i + step])
    if frame.channel in (0x01, 0x02, 0x03, 0x0F):
        assert out == [frame]
    else:
        assert len(out) == 1 and out[0].code == ErrorCode.UNKNOWN_CHANNEL and out[0].seq == frame.seq
    assert not decoder.mid_frame
