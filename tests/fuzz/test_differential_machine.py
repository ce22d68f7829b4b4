"""The firmware answers exactly as the simulator does, under the Hypothesis state machine of diffmachine.py: host
commands, button presses and typing, whole flows, power cycles, power cuts inside writes, a killed process, session
syncs and link garbage, in lockstep on both; every answer frame, the screen and the display's framebuffer after every
step equal byte for byte.
A mismatch fails with the shortest list of steps Hypothesis finds.

Sizes come from the Hypothesis profile (ci: bounded; long: the campaign), or KB_DIFF_EXAMPLES / KB_DIFF_STEPS
(python firmware/tools/difftest.py sets them). KB_DIFF_URL adds a run against any firmware at a pyserial URL;
KB_DIFF_SLOW=1 adds the rules that wait on the firmware's real inter-byte timeout (scripts/fuzz-campaign)."""
import os

import pytest
from hypothesis import settings

import diffmachine
import difftest
import fuzzkit
from fwdevices import missing_tools, open_device


def sizes(share: float = 1.0) -> tuple[int, int]:
    examples = int(os.environ.get("KB_DIFF_EXAMPLES", 0)) or fuzzkit.examples(share)
    steps = int(os.environ.get("KB_DIFF_STEPS", 0)) or settings.default.stateful_step_count
    return examples, steps


def record_figures(kind: str) -> None:
    fuzzkit.COUNTS[f"differential runs, {kind}"] += difftest.STATS["examples"]
    fuzzkit.COUNTS[f"differential steps, {kind}"] += difftest.STATS["steps"]
    fuzzkit.COUNTS["frames into the simulator"] += difftest.STATS["frames into each side"]
    fuzzkit.COUNTS[f"framebuffer halves compared, {kind}"] += difftest.STATS["framebuffer halves compared"]
    fuzzkit.COUNTS[f"frames into the firmware, {kind}"] += difftest.STATS["frames into each side"]
    if difftest.STATS["inter-byte timeouts"]:
        fuzzkit.COUNTS[f"inter-byte timeouts met, {kind}"] += difftest.STATS["inter-byte timeouts"]
    difftest.STATS.clear()


def test_host_build_answers_like_the_simulator():
    why = missing_tools("host")
    if why:
        pytest.skip(f"firmware host build unavailable: {why}")
    try:
        diffmachine.run(difftest.HostBackend(), *sizes())
    finally:
        record_figures("host build")


def test_qemu_image_answers_like_the_simulator():
    dev = open_device("qemu")
    try:
        diffmachine.run(difftest.StreamBackend(dev.link.transport), *sizes(0.15))
    finally:
        dev.close()
        record_figures("QEMU")


if os.environ.get("KB_DIFF_URL"):
    def test_firmware_at_url_answers_like_the_simulator():
        from keybench.rigs.serial_transport import SerialTransport
        transport = SerialTransport(os.environ["KB_DIFF_URL"])
        try:
            diffmachine.run(difftest.StreamBackend(transport), *sizes())
        finally:
            transport.close()
            record_figures(os.environ["KB_DIFF_URL"])
