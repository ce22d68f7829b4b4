"""The firmware's display draws every screen pixel for pixel as the simulator's does: the screen tour
(firmware/tools/screen_tour.py: every screen, its notes, a typed field, all four pages of a 24-word mnemonic, the
binding code) on the host build and on the QEMU image, each step's answer, text screen and both framebuffer halves
compared with the simulator's. And the firmware's font.h is what gen_font.py writes from the simulator's font."""
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageChops

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "firmware" / "tools"))

import gen_font  # noqa: E402
import screen_tour  # noqa: E402
from fwdevices import open_device  # noqa: E402
from keybench.protocol.debuglink import Op  # noqa: E402
from keybench.rigs.hands import DebugLinkHands  # noqa: E402
from keybench.rigs.link import Link  # noqa: E402
from keybench.rigs.targets.sim import LoopbackTransport  # noqa: E402
from keybench.simulator.device import Device  # noqa: E402
from keybench.simulator.server import StreamEndpoint  # noqa: E402


def test_the_committed_font_header_is_what_the_generator_writes():
    assert gen_font.HEADER.read_text() == gen_font.generate(), "run python firmware/tools/gen_font.py"
    assert gen_font.main(["--check"]) == 0


def test_the_generator_check_fails_on_a_drifted_header(tmp_path, monkeypatch):
    drifted = tmp_path / "font.h"
    drifted.write_text(gen_font.generate().replace("0x0E", "0x0F", 1))
    monkeypatch.setattr(gen_font, "HEADER", drifted)
    assert gen_font.main(["--check"]) == 1


def differing_pixels(want: bytes, got: bytes) -> int:
    diff = ImageChops.difference(Image.frombytes("1", (128, 64), want).convert("L"),
                                 Image.frombytes("1", (128, 64), got).convert("L"))
    return sum(1 for value in diff.getdata() if value)


@pytest.mark.parametrize("kind", ["host", "qemu"])
def test_every_screen_of_the_tour_has_the_simulators_pixels(kind):
    fw = open_device(kind)
    try:
        sim = Link(LoopbackTransport(StreamEndpoint(Device(seed=0))))
        sim_hands, fw_hands = DebugLinkHands(sim), DebugLinkHands(fw.link)
        pages = set()
        for n, step in enumerate(screen_tour.tour()):
            where = f"tour step {n} ({step.name or step.payload.hex()})"
            assert fw.link.request(step.channel, step.payload) == sim.request(step.channel, step.payload), where
            text = sim.debug_ok(Op.SCREEN)
            assert fw.link.debug_ok(Op.SCREEN) == text, where
            want, got = sim_hands.framebuffer(), fw_hands.framebuffer()
            assert got == want, f"{where}: {differing_pixels(want, got)} pixels differ on {text[:40]!r}"
            if text.startswith(b"Write down your words"):
                pages.add(text.rsplit(b"\n", 1)[1])
        assert pages == {b"Page 1 of 4", b"Page 2 of 4", b"Page 3 of 4", b"Page 4 of 4", b"Page 1 of 3"}
    finally:
        fw.close()
