"""The firmware answers exactly as the simulator does: a random but reproducible stream of requests
(UI flows steered by the simulator's state, APDUs good and bad, power cuts, garbage) goes to both, and
every answer frame, plus the screen after every step, must be equal byte for byte
(firmware/tools/difftest.py; run it by hand for longer streams: python firmware/tools/difftest.py --steps 20000)."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "firmware" / "tools"))

import difftest  # noqa: E402
from fwdevices import open_device  # noqa: E402


@pytest.mark.parametrize("rng", [1, 2, 3])
def test_host_build_answers_like_the_simulator(rng):
    dev = open_device("host")
    try:
        problems = difftest.run(difftest.StreamSide(dev.link.transport), steps=5000, seed=rng)
    finally:
        dev.close()
    assert not problems, problems[0]


def test_qemu_image_answers_like_the_simulator():
    dev = open_device("qemu")
    try:
        problems = difftest.run(difftest.StreamSide(dev.link.transport), steps=3000, seed=4)
    finally:
        dev.close()
    assert not problems, problems[0]
