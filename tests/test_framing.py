import zlib

import pytest

from keybench.protocol.framing import MAX_PAYLOAD, Channel, ErrorCode, Frame, FrameDecoder, FrameError


def test_frame_layout_is_as_documented():
    raw = Frame(Channel.HOST, 7, bytes.fromhex("FFDCFEED00")).encode()
    body = bytes.fromhex("01070005FFDCFEED00")
    assert raw == b"KB" + body + zlib.crc32(body).to_bytes(4, "big")


@pytest.mark.parametrize("payload", [b"", b"\x00", bytes(range(256)) * 4])
def test_round_trip_byte_by_byte(payload):
    decoder = FrameDecoder()
    out = []
    for b in Frame(Channel.DEBUG, 200, payload).encode():
        out += decoder.feed(bytes([b]))
    assert out == [Frame(Channel.DEBUG, 200, payload)]
    assert not decoder.mid_frame


def test_garbage_before_a_frame_is_skipped():
    frame = Frame(Channel.HOST, 1, b"\x00\xa4\x04\x00")
    assert FrameDecoder().feed(b"\x00\x13K\xffKK" + frame.encode()) == [frame]


def test_bad_crc_is_reported_and_the_next_frame_survives():
    bad = bytearray(Frame(Channel.HOST, 9, b"abcdef").encode())
    bad[8] ^= 0x01
    good = Frame(Channel.HOST, 10, b"xyz")
    items = FrameDecoder().feed(bytes(bad) + good.encode())
    assert isinstance(items[0], FrameError) and items[0].code == ErrorCode.BAD_CRC and items[0].seq == 9
    assert items[-1] == good


def test_oversized_length_is_rejected_without_waiting_for_the_payload():
    header = b"KB\x01\x05" + (MAX_PAYLOAD + 1).to_bytes(2, "big")
    items = FrameDecoder().feed(header)
    assert len(items) == 1 and items[0].code == ErrorCode.TOO_LONG and "1025" in str(items[0])


def test_truncated_frame_expires_with_a_clear_error():
    decoder = FrameDecoder()
    assert decoder.feed(Frame(Channel.HOST, 3, b"12345678").encode()[:9]) == []
    assert decoder.mid_frame
    (error,) = decoder.expire()
    assert error.code == ErrorCode.TRUNCATED and error.seq == 3 and "9 bytes" in str(error)
    assert not decoder.mid_frame and decoder.expire() == []


def test_a_frame_inside_a_truncated_frame_survives_the_expiry():
    """Issue 12, defect 3: a header announcing 1000 bytes swallowed the good frame sent right behind it."""
    decoder = FrameDecoder()
    good = Frame(Channel.HOST, 0x42, b"\xff\xdc\xfe\xed\x00")
    assert decoder.feed(bytes.fromhex("4B42013D03E8") + b"\x01\x02\x03\x04" + good.encode()) == []
    error, frame = decoder.expire()
    assert error.code == ErrorCode.TRUNCATED and error.seq == 0x3D and frame == good
    assert not decoder.mid_frame


def test_every_partial_frame_left_after_an_expiry_is_truncated_in_turn():
    decoder = FrameDecoder()
    inner = Frame(Channel.DEBUG, 9, b"\x04").encode()[:7]  # a second partial frame inside the first
    good = Frame(Channel.HOST, 1, b"\x00")
    decoder.feed(b"KB\x01\x02\x00\x40" + good.encode() + inner)
    items = decoder.expire()
    assert [getattr(i, "code", None) for i in items] == [ErrorCode.TRUNCATED, None, ErrorCode.TRUNCATED]
    assert items[0].seq == 2 and items[1] == good and items[2].seq == 9
    assert not decoder.mid_frame


def test_a_lone_trailing_magic_byte_counts_as_a_started_frame():
    decoder = FrameDecoder()
    assert decoder.feed(b"xyzK") == [] and decoder.mid_frame
    (error,) = decoder.expire()
    assert error.code == ErrorCode.TRUNCATED and "1 bytes" in str(error)


def test_sync_frames_decode_and_only_unlisted_channels_are_unknown():
    sync = Frame(Channel.SYNC, 0x77, bytes(range(8)))
    assert FrameDecoder().feed(sync.encode()) == [sync]
    for channel in (0x00, 0x04, 0x0E, 0x10, 0xFF):
        body = bytes([channel, 5]) + b"\x00\x00"
        (item,) = FrameDecoder().feed(b"KB" + body + zlib.crc32(body).to_bytes(4, "big"))
        assert item.code == ErrorCode.UNKNOWN_CHANNEL and item.seq == 5


def test_a_corrupt_frame_is_bad_crc_whatever_its_channel_byte_says():
    for channel in (Channel.DEBUG, Channel.ERROR, 0x55):
        raw = bytearray(Frame(channel, 6, b"\x04").encode())
        raw[-1] ^= 0x80
        (item,) = FrameDecoder().feed(bytes(raw))
        assert item.code == ErrorCode.BAD_CRC and item.seq == 6


def test_unknown_channel():
    body = b"\x07\x01\x00\x00"
    raw = b"KB" + body + zlib.crc32(body).to_bytes(4, "big")
    (item,) = FrameDecoder().feed(raw)
    assert item.code == ErrorCode.UNKNOWN_CHANNEL


def test_encoding_refuses_oversized_payload():
    with pytest.raises(ValueError, match="exceeds"):
        Frame(Channel.HOST, 0, bytes(MAX_PAYLOAD + 1)).encode()
