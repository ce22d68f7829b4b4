"""What the fuzz tests share: counters for the figures a run prints, the status words the protocol documents,
and simulated devices in chosen states (built once, copied per example, since a wallet costs a PBKDF2)."""
from __future__ import annotations

import copy
import functools
from collections import Counter

from hypothesis import settings
from hypothesis import strategies as st

from keybench.protocol.debuglink import Op
from keybench.protocol.framing import Channel, Frame
from keybench.protocol.status import SW
from keybench.simulator.device import Device

COUNTS: Counter[str] = Counter()

PIN = "123456"
WORDS = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about".split()
STATES = ("fresh", "pin", "wallet")

DOCUMENTED_SW = {int(sw) for sw in SW} | {0x63C0 + n for n in range(6)}  # 63Cx: x attempts left, 0-5


def examples(fraction: float) -> int:
    """A share of the active profile's max_examples, for tests whose examples cost more than most."""
    return max(10, int(settings.default.max_examples * fraction))


@functools.cache
def _template(state: str) -> Device:
    dev = Device(seed=0)
    if state in ("pin", "wallet"):
        dev.set_pin(PIN)
    if state == "wallet":
        dev.commit_wallet(WORDS)
    return dev


def device(state: str, unlock: bool = False, applet: bytes | None = None) -> Device:
    """A fresh simulator booted from a copy of the template's flash; unlocked through the debug link."""
    flash = copy.deepcopy(_template(state).flash)
    dev = Device(seed=0, flash=flash)
    if unlock and state != "fresh":
        dev.handle(Frame(Channel.DEBUG, 1, bytes([Op.TYPE]) + PIN.encode()))
        dev.handle(Frame(Channel.DEBUG, 2, bytes([Op.PRESS, 1])))
        assert dev.unlocked
    if applet is not None:
        dev.selected = applet
    return dev


def _flip_one_byte(raw: bytes, at: int, mask: int) -> bytes:
    at %= len(raw)
    return raw[:at] + bytes([raw[at] ^ mask]) + raw[at + 1:]


# Byte streams that look like the protocol: whole frames on every channel, frames cut short or with one byte
# damaged, and noise rich in magic bytes.
any_frames = st.builds(Frame, channel=st.sampled_from([0x01, 0x02, 0x03, 0x0F, 0x00, 0x07, 0xFF]),
                       seq=st.integers(0, 255), payload=st.binary(max_size=300))
frame_pieces = st.one_of(
    any_frames.map(Frame.encode),
    st.builds(lambda f, cut: f.encode()[:-cut], any_frames, st.integers(1, 40)),
    st.builds(lambda f, at, mask: _flip_one_byte(f.encode(), at, mask), any_frames, st.integers(0, 400),
              st.integers(1, 255)),
    st.binary(max_size=40),
    st.lists(st.sampled_from([b"K", b"B", b"KB", b"\x00", b"\x04", b"\x01"]), max_size=20).map(b"".join),
)
frame_streams = st.lists(frame_pieces, max_size=12).map(b"".join)
