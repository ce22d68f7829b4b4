"""The host's session sync (docs/protocol.md 1.3): a new host on a line that another host used drops the
previous host's leftovers before its first request (issue 12, defect 4)."""
from __future__ import annotations

import pytest

from keybench.protocol import imkey
from keybench.protocol.debuglink import Op
from keybench.protocol.framing import Channel, ErrorCode, Frame, FrameDecoder, error_frame
from keybench.rigs import link as link_module
from keybench.rigs.config import RigError
from keybench.rigs.link import Link, SessionSyncFailed
from keybench.rigs.targets.sim import LoopbackTransport
from keybench.rigs.transport import Transport
from keybench.simulator.device import Device
from keybench.simulator.server import StreamEndpoint

SERIAL_NUMBER = bytes.fromhex("80CA004400")


@pytest.fixture
def line():
    """A serial line to one device: what one host leaves on it (unread answers, a half frame) stays there."""
    return LoopbackTransport(StreamEndpoint(Device(seed=5)))


def previous_host_leaves(line: LoopbackTransport, half_frame: bytes = b"") -> None:
    for seq in range(1, 9):  # requests whose answers it never reads, with the seqs a new link starts from
        line.write(Frame(Channel.HOST, seq, SERIAL_NUMBER).encode())
    line.write(half_frame)


def test_without_a_session_sync_the_new_host_takes_a_stale_answer_for_its_own(line):
    """What defect 4 looked like: the check that the test below tests something."""
    previous_host_leaves(line)
    answer = Link(line).apdu(imkey.LIFECYCLE)
    assert answer.data == b"imKey01191200001"  # the serial number: the previous host's answer


def test_the_session_sync_drops_the_previous_hosts_answers(line):
    previous_host_leaves(line)
    link = Link(line)
    link.open_session()
    assert link.apdu_ok(imkey.LIFECYCLE) == bytes([imkey.Lifecycle.PIN_UNSET])


def test_the_session_sync_survives_a_half_frame_the_previous_host_left(line):
    previous_host_leaves(line, half_frame=bytes.fromhex("4B42013D03E8") + b"\x01\x02\x03\x04")
    link = Link(line)
    link.open_session()
    assert link.apdu_ok(imkey.LIFECYCLE) == bytes([imkey.Lifecycle.PIN_UNSET])
    assert link.debug_ok(Op.SCREEN).startswith(b"Set PIN")


class ScriptedLine(Transport):
    """A device that answers each written frame through `answer(frame)` (None: no answer)."""

    def __init__(self, answer):
        self.answer, self.written, self._pending = answer, [], b""

    def write(self, data: bytes) -> None:
        for frame in FrameDecoder().feed(data):
            self.written.append(frame)
            reply = self.answer(frame, len(self.written))
            self._pending += reply.encode() if reply else b""

    def read(self, timeout: float) -> bytes:
        out, self._pending = self._pending, b""
        return out

    def close(self) -> None:
        pass


@pytest.fixture
def short_sync(monkeypatch):
    monkeypatch.setattr(link_module, "SYNC_TIMEOUT_S", 0.2)


def test_a_lost_sync_is_retried_once_with_a_new_nonce(short_sync):
    line = ScriptedLine(lambda frame, n: None if n == 1 else frame)  # the first SYNC is lost, the second echoed
    Link(line).open_session()
    first, second = line.written
    assert {first.channel, second.channel} == {Channel.SYNC}
    assert len(first.payload) == 8 and first.payload != second.payload and first.seq != second.seq


def test_a_device_that_never_answers_the_sync_is_a_broken_bench_with_a_clear_message(short_sync):
    with pytest.raises(SessionSyncFailed, match=r"no answer to the session sync within 0.2 s, 2 times: is the "
                                                r"device running keybench firmware\?$") as caught:
        Link(ScriptedLine(lambda frame, n: None)).open_session()
    assert isinstance(caught.value, RigError)


def test_firmware_without_the_sync_channel_is_named_in_the_message(short_sync):
    old = ScriptedLine(lambda frame, n: error_frame(ErrorCode.UNKNOWN_CHANNEL, "channel 0x03", frame.seq))
    with pytest.raises(SessionSyncFailed, match="error frame unknown_channel: channel 0x03; firmware older than"):
        Link(old).open_session()


def test_a_transport_of_raw_apdus_opens_no_sync():
    class RawApdus(ScriptedLine):
        carries_frames = False

    line = RawApdus(lambda frame, n: frame)
    Link(line).open_session()
    assert line.written == []
