"""imKey fragments: exact bytes, boundaries at 20 bytes and larger MTUs, and every way a fragment can be wrong."""
from __future__ import annotations

import pytest

from keybench.protocol.ble_fragments import FragmentError, Reassembler, fragment


def reassemble(pieces: list[bytes]) -> bytes:
    r = Reassembler()
    out: list = []
    for i, piece in enumerate(pieces):
        out = r.feed(piece)
        assert (out == []) == (i < len(pieces) - 1), f"message completed early/late at fragment {i}: {out}"
    assert len(out) == 1 and isinstance(out[0], bytes), out
    return out[0]


def error_of(r: Reassembler, piece: bytes) -> str:
    out = r.feed(piece)
    assert len(out) == 1 and isinstance(out[0], FragmentError), f"expected one error, got {out}"
    assert not r.mid_message, "a broken message must be forgotten"
    return str(out[0])


def test_exact_bytes_of_a_40_byte_message_in_20_byte_fragments():
    msg = bytes(range(40))
    assert fragment(msg, 20) == [
        bytes([0x83, 0x00, 0x28]) + bytes(range(0, 17)),
        bytes([0x00]) + bytes(range(17, 36)),
        bytes([0x01]) + bytes(range(36, 40)),
    ]


def test_an_empty_message_is_one_header_only_fragment():
    assert fragment(b"", 20) == [b"\x83\x00\x00"]
    assert Reassembler().feed(b"\x83\x00\x00") == [b""]


def expected_count(n: int, size: int) -> int:
    first = size - 3
    return 1 if n <= first else 1 + -(-(n - first) // (size - 1))


@pytest.mark.parametrize("size", [20, 182, 244])  # ATT_MTU 23 (imKey's writes), 185 (iOS), 247
def test_boundaries_round_trip(size):
    first, cont = size - 3, size - 1
    lengths = {0, 1, first - 1, first, first + 1, first + cont - 1, first + cont, first + cont + 1,
               first + 2 * cont, 1034, 4000}
    for n in sorted(lengths):
        msg = bytes((i * 7 + n) & 0xFF for i in range(n))
        pieces = fragment(msg, size)
        assert all(len(p) <= size for p in pieces), n
        assert len(pieces) == expected_count(n, size), n
        assert all(len(p) == size for p in pieces[:-1]), f"{n}: only the last fragment may be short"
        assert [p[0] for p in pieces[1:]] == [i % 0x80 for i in range(len(pieces) - 1)]
        assert reassemble(pieces) == msg


def test_sequence_wraps_after_7f():
    msg = bytes(range(256)) * 2  # at size 4: 1 byte in the first fragment, 3 per continuation: 171 continuations
    pieces = fragment(msg, 4)
    assert len(pieces) > 0x80 + 1
    assert pieces[0x80][0] == 0x7F and pieces[0x81][0] == 0x00
    assert reassemble(pieces) == msg


def test_fragment_refuses_impossible_sizes():
    with pytest.raises(ValueError, match="too small"):
        fragment(b"abc", 3)
    with pytest.raises(ValueError, match="2-byte length"):
        fragment(bytes(0x10000), 20)


MSG = bytes(range(60))  # 4 fragments at 20 bytes


def fed(*pieces: bytes) -> Reassembler:
    r = Reassembler()
    for p in pieces:
        assert r.feed(p) == []
    return r


def test_sequence_gap_is_rejected():
    pieces = fragment(MSG, 20)
    msg = error_of(fed(pieces[0]), pieces[2])
    assert msg == ("sequence gap: got continuation 0x01 while 17 of 60 bytes had arrived and continuation 0x00 "
                   "was expected")


def test_repeated_continuation_is_a_gap():
    pieces = fragment(MSG, 20)
    assert "sequence gap" in error_of(fed(pieces[0], pieces[1]), pieces[1])


def test_overrun_is_rejected():
    pieces = fragment(MSG, 20)
    msg = error_of(fed(*pieces[:-1]), pieces[-1] + b"\x00")
    assert msg.startswith("overrun: 6 more bytes while 55 of 60 bytes had arrived")


def test_overrun_in_the_first_fragment_is_rejected():
    assert error_of(Reassembler(), b"\x83\x00\x02abc").startswith("overrun")


def test_wrong_first_byte_of_a_message_is_rejected():
    first = fragment(MSG, 20)[0]
    assert error_of(Reassembler(), b"\x84" + first[1:]) == "wrong first byte 0x84: a message must start with 0x83"


def test_continuation_without_a_first_fragment_is_rejected():
    assert error_of(Reassembler(), fragment(MSG, 20)[1]).startswith("wrong first byte 0x00")


def test_wrong_first_byte_in_a_continuation_is_rejected():
    pieces = fragment(MSG, 20)
    assert error_of(fed(pieces[0]), b"\x90" + pieces[1][1:]).startswith("wrong first byte 0x90 in a continuation")


def test_a_new_message_mid_message_is_reported_and_kept():
    old = fragment(MSG, 20)
    r = fed(old[0], old[1])
    out = r.feed(fragment(b"hello", 20)[0])  # a whole new message in one fragment
    assert len(out) == 2 and isinstance(out[0], FragmentError) and out[1] == b"hello"
    assert "a new message started (83) while 36 of 60 bytes" in str(out[0])
    longer = fragment(bytes(30), 20)
    r = fed(old[0])
    out = r.feed(longer[0])
    assert len(out) == 1 and isinstance(out[0], FragmentError)
    assert r.feed(longer[1]) == [bytes(30)]


def test_short_header_and_empty_fragment_and_length_limit():
    assert "shorter than its 3-byte header" in error_of(Reassembler(), b"\x83\x00")
    assert error_of(Reassembler(), b"") == "empty fragment"
    assert "exceeds the 1034-byte maximum" in error_of(Reassembler(max_message=1034), b"\x83\x04\x0b")


def test_after_any_error_the_next_good_message_gets_through():
    pieces = fragment(MSG, 20)
    r = fed(pieces[0])
    error_of(r, pieces[3])
    for p in pieces[:-1]:
        assert r.feed(p) == []
    assert r.feed(pieces[-1]) == [MSG]
