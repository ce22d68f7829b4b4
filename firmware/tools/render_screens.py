"""Draw every screen of the screen tour (screen_tour.py) as the simulator's display shows it, into docs/screens/
as PNGs 4x the size with crisp pixels; docs/device.md shows them.

    python firmware/tools/render_screens.py            # rewrite docs/screens/*.png
    python firmware/tools/render_screens.py --check    # exit 1 if a committed picture is not what this draws

tests/test_display_docs.py runs the check. The firmware draws the same pixels (tests/firmware/test_display_pixels.py).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))

import screen_tour  # noqa: E402
from keybench.protocol.debuglink import FB_HEIGHT, FB_WIDTH  # noqa: E402
from keybench.rigs.hands import DebugLinkHands  # noqa: E402
from keybench.rigs.link import Link  # noqa: E402
from keybench.rigs.targets.sim import LoopbackTransport  # noqa: E402
from keybench.simulator.device import Device  # noqa: E402
from keybench.simulator.server import StreamEndpoint  # noqa: E402

SCREENS = Path(__file__).resolve().parents[2] / "docs" / "screens"
SCALE = 4


def picture(fb: bytes) -> Image.Image:
    """A framebuffer as a picture: lit pixels white on black, as on the OLED, each pixel a 4x4 square."""
    image = Image.frombytes("1", (FB_WIDTH, FB_HEIGHT), fb)
    return image.resize((FB_WIDTH * SCALE, FB_HEIGHT * SCALE), Image.Resampling.NEAREST)


def draw_all() -> dict[str, Image.Image]:
    link = Link(LoopbackTransport(StreamEndpoint(Device(seed=0))))
    hands = DebugLinkHands(link)
    pictures = {}
    for step in screen_tour.tour():
        link.request(step.channel, step.payload)
        if step.name:
            pictures[f"{step.name}.png"] = picture(hands.framebuffer())
    return pictures


def stale(folder: Path = SCREENS) -> list[str]:
    """The pictures in `folder` that differ from what the renderer draws now, are missing, or are extra."""
    want = draw_all()
    have = {p.name for p in folder.glob("*.png")} if folder.is_dir() else set()
    wrong = sorted((have - want.keys()) | (want.keys() - have))
    for name in sorted(want.keys() & have):
        with Image.open(folder / name) as on_disk:
            if on_disk.size != want[name].size or on_disk.convert("1").tobytes() != want[name].tobytes():
                wrong.append(name)
    return wrong


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with docs/screens, write nothing")
    args = parser.parse_args(argv)
    if args.check:
        wrong = stale()
        if wrong:
            print(f"docs/screens is not what the display draws ({', '.join(wrong)}): run "
                  "python firmware/tools/render_screens.py", file=sys.stderr)
        return 1 if wrong else 0
    SCREENS.mkdir(parents=True, exist_ok=True)
    for old in SCREENS.glob("*.png"):
        old.unlink()
    for name, image in draw_all().items():
        image.save(SCREENS / name, optimize=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
