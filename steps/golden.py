"""Golden screens, as ragger's navigate_and_compare keeps them: every distinct screen a scenario shows after its
steps, in order, recorded once (`--golden-run`) next to its feature and compared on every later run, on any rig.

    features/<suite>/snapshots/<scenario-slug>/screens.txt   the index: NN, step, title, secret, step text
    features/<suite>/snapshots/<scenario-slug>/NN.png        screen NN (a secret screen's words masked)
    features/<suite>/snapshots/<scenario-slug>/NN.digest     a secret screen's whole framebuffer, as a slow digest

A secret screen (the mnemonic words) is compared pixel for pixel all the same: the visible part through its
picture, the whole through the digest. The digest is scrypt, not a plain hash, so that nobody can recover a page
of words by hashing guesses (docs/evidence.md).
"""
from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from keybench.steps.pictures import (Difference, StoredScreen, difference, file_slug, lit_pixels, read_screen,
                                     save_screen, secret_mask)

SNAPSHOTS = "snapshots"
INDEX = "screens.txt"
INDEX_HEADER = "screen\tstep\ttitle\tsecret\tstep text"
# scrypt's cost: ~16 MiB and tens of milliseconds a screen, once per secret screen of a scenario.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1
DIGEST_SALT = b"keybench golden screen v1"


class BadGolden(ValueError):
    """A golden folder keybench cannot read: names the file and what is wrong."""


@dataclass(frozen=True)
class Screen:
    """One screen as a scenario showed it, after one of its steps."""
    number: int  # 1, 2, ...: its index among the scenario's distinct screens
    step_number: int
    step_text: str
    title: str
    secret: bool
    framebuffer: bytes = b""  # empty when read from an index


SLUG_LIMIT = 100


def scenario_slug(name: str, example: dict[str, object] | None = None) -> str:
    """The scenario's folder: its name, then an outline example's parameters (`write 2 after power on set pin`).
    A longer one is cut and ends in a hash of the whole, so two examples that differ only at the end (two BIP39
    vectors) never share a folder."""
    words = " ".join([name, *(f"{key} {value}" for key, value in (example or {}).items())])
    slug = file_slug(words, limit=10_000)
    if len(slug) <= SLUG_LIMIT:
        return slug
    return f"{file_slug(words, limit=SLUG_LIMIT - 9)}-{hashlib.sha256(words.encode()).hexdigest()[:8]}"


def digest(framebuffer: bytes) -> str:
    key = hashlib.scrypt(framebuffer, salt=DIGEST_SALT, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt n={SCRYPT_N} r={SCRYPT_R} p={SCRYPT_P} {key.hex()}"


@dataclass(frozen=True)
class Mismatch:
    screen: Screen
    golden: Screen | None
    pixels: Difference
    mask_differs: bool  # the masked word area of a secret screen differs (its digest)
    golden_picture: Path | None

    def describe(self) -> str:
        parts = []
        if self.golden is None:
            return "it has no golden screen"
        if self.pixels.count:
            parts.append(f"{self.pixels.count} pixel{'s differ' if self.pixels.count != 1 else ' differs'} "
                         f"({self.pixels.where()})")
        if self.mask_differs:
            parts.append("the hidden word area differs (its digest)")
        if self.golden.secret != self.screen.secret:
            parts.append(f"the golden screen {'is' if self.golden.secret else 'is not'} a secret screen")
        return "; ".join(parts)


class GoldenScenario:
    """One scenario's golden folder."""

    def __init__(self, folder: Path):
        self.folder = folder

    @classmethod
    def beside(cls, feature_file: Path, slug: str) -> "GoldenScenario":
        return cls(feature_file.parent / SNAPSHOTS / slug)

    def exists(self) -> bool:
        return (self.folder / INDEX).is_file()

    def picture(self, number: int) -> Path:
        return self.folder / f"{number:02d}.png"

    def digest_file(self, number: int) -> Path:
        return self.folder / f"{number:02d}.digest"

    def index(self) -> list[Screen]:
        path = self.folder / INDEX
        screens = []
        for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line or line.startswith("#") or line == INDEX_HEADER:
                continue
            fields = line.split("\t")
            if len(fields) != 5 or not fields[0].isdigit() or not fields[1].isdigit() \
                    or fields[3] not in ("yes", "no"):
                raise BadGolden(f"{path}:{line_no}: expected '{INDEX_HEADER}' (tab-separated, secret yes or no), "
                                f"got {line!r}")
            screens.append(Screen(int(fields[0]), int(fields[1]), fields[4], fields[2], fields[3] == "yes"))
        if [s.number for s in screens] != list(range(1, len(screens) + 1)):
            raise BadGolden(f"{path}: the screens are not numbered 1 to {len(screens)} in order")
        return screens

    def recorded_with(self) -> str:
        """The index's first line: the scenario, its feature, and the rig and seed it was recorded with."""
        first = (self.folder / INDEX).read_text(encoding="utf-8").split("\n", 1)[0]
        return first.removeprefix("# ")

    def record(self, screens: list[Screen], header: str, show_secrets: bool) -> None:
        """Replace the folder with these screens (a scenario's old screens never linger)."""
        if self.folder.exists():
            shutil.rmtree(self.folder)
        self.folder.mkdir(parents=True)
        lines = [f"# {header}", INDEX_HEADER]
        for screen in screens:
            mask = secret_mask(screen.framebuffer) if screen.secret and not show_secrets else None
            save_screen(screen.framebuffer, self.picture(screen.number), mask)
            if screen.secret:
                self.digest_file(screen.number).write_text(digest(screen.framebuffer) + "\n")
            lines.append(f"{screen.number:02d}\t{screen.step_number}\t{_one_line(screen.title)}\t"
                         f"{'yes' if screen.secret else 'no'}\t{_one_line(screen.step_text)}")
        (self.folder / INDEX).write_text("\n".join(lines) + "\n", encoding="utf-8")

    def stored(self, number: int) -> StoredScreen:
        path = self.picture(number)
        if not path.is_file():
            raise BadGolden(f"{path}: missing (the index {self.folder / INDEX} lists screen {number:02d})")
        return read_screen(path)

    def compare(self, screen: Screen, golden: Screen | None) -> Mismatch | None:
        """None when the screen is the golden one, pixel for pixel."""
        if golden is None:
            return Mismatch(screen, None, Difference(0, None), False, None)
        stored = self.stored(golden.number)
        actual = lit_pixels(screen.framebuffer)
        pixels = difference(stored.pixels, actual, skip_from=stored.masked_from)
        mask_differs = False
        if golden.secret:
            path = self.digest_file(golden.number)
            if not path.is_file():
                raise BadGolden(f"{path}: missing (screen {golden.number:02d} is a secret screen)")
            mask_differs = path.read_text().strip() != digest(screen.framebuffer)
            if mask_differs and stored.masked_from is None:
                mask_differs = False  # recorded with --show-secrets: every pixel was compared above
                if not pixels.count:  # the same pixels yet another digest: the digest file was edited
                    raise BadGolden(f"{path}: does not match {self.picture(golden.number)}")
        if not pixels.count and not mask_differs and golden.secret == screen.secret:
            return None
        return Mismatch(screen, golden, pixels, mask_differs, self.picture(golden.number))


def _one_line(text: str) -> str:
    return " ".join(text.replace("\t", " ").split())


def visible_mask(screen: Screen, show_secrets: bool):
    """The mask a stored picture of this screen gets: the word area of a secret screen, unless --show-secrets."""
    return secret_mask(screen.framebuffer) if screen.secret and not show_secrets else None
