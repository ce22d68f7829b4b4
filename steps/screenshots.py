"""A scenario's camera: after every step it reads the device's framebuffer; when the screen changed it writes the
step's picture into the evidence, and records it as a golden screen (`--golden-run`) or compares it with the golden
one, failing the step on the first difference with the expected, actual and diff pictures beside the evidence.
"""
from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from pytest_bdd.scenario import scenario_wrapper_template_registry
from pytest_bdd.utils import registry_get_safe

from keybench.protocol.status import StatusError
from keybench.rigs.hands import SECRET_TITLES, Hands, NoFramebuffer
from keybench.rigs.link import DeviceFrameError, PoweredOff
from keybench.steps.golden import GoldenScenario, Mismatch, Screen, scenario_slug, visible_mask
from keybench.steps.pictures import Mask, lit_pixels, save_diff, save_screen, secret_mask, step_picture_name

RECORD, COMPARE = "record", "compare"


class GoldenScreenMismatch(AssertionError):
    """A screen is not its golden one: fails the step that showed it."""


@dataclass
class CameraSettings:
    mode: str  # RECORD or COMPARE
    strict: bool  # COMPARE: a scenario with no golden folder fails instead of going uncompared
    show_secrets: bool
    evidence: Path | None  # the scenario's evidence folder, or None without --evidence
    root: Path  # paths in messages are shown relative to it


class ScreenCamera:
    def __init__(self, hands: Hands, golden: GoldenScenario, scenario: str, settings: CameraSettings,
                 note: Callable[[str], None], attach: Callable[[Path, str], None]):
        self.hands, self.golden, self.scenario, self.settings = hands, golden, scenario, settings
        self.note, self.attach = note, attach  # a line for the evidence log; a picture for the report's step
        self.screens: list[Screen] = []
        self.last: bytes | None = None  # the framebuffer after the previous step: a change is told from it
        self.unavailable: str | None = None  # why this device shows no framebuffer, once known
        self.expected: list[Screen] | None = None
        self.status = "recorded" if settings.mode == RECORD else "compared"
        if settings.mode == COMPARE:
            if golden.exists():
                self.expected = golden.index()
                self.note(f"golden: compared with {self._shown(golden.folder)} ({len(self.expected)} screens)")
            else:
                self.status = "no golden screens"
                self.note(f"golden: no golden screens in {self._shown(golden.folder)}: not compared")

    # What the hooks call
    def after_step(self, step_number: int, step_text: str, last_step: bool) -> None:
        if self.status == "no golden screens" and self.settings.strict:
            self.status = "failed"
            raise GoldenScreenMismatch(
                f"{self.scenario}: no golden screens in {self._shown(self.golden.folder)}, and --golden-strict "
                f"asks for them; record them with --golden-run")
        screen = self._capture(step_number, step_text)
        if screen is not None and self.settings.mode == COMPARE and self.expected is not None:
            self._check(screen)
        if last_step:
            self._finish()

    def after_failed_step(self, step_number: int, step_text: str) -> None:
        """The screen a failed step left is in the evidence too; it is neither recorded nor compared."""
        try:
            self._capture(step_number, step_text, count=False)
        except Exception as exc:  # the step's own failure is the one to report
            self.note(f"picture: none after the failed step ({type(exc).__name__}: {exc})")

    # Capture
    def _read(self) -> tuple[bytes, list[str]] | None:
        if self.unavailable:
            return None
        try:
            return self.hands.framebuffer(), self.hands.screen()
        except PoweredOff:
            self.last = None  # a dark screen: whatever it shows when it comes back is a change
            return None
        except (NoFramebuffer, DeviceFrameError, StatusError) as exc:  # an operator's hands; an older device
            self.unavailable = str(exc)
        self.note(f"pictures: none for this scenario: {self.unavailable}")
        if self.expected is not None:
            # A bench whose device has no debug link (an operator's hands, a real device) cannot show its pixels:
            # its golden screens go uncompared, and the run's summary says so, as for a scenario without them.
            self.status = "no framebuffer"
            if self.settings.strict:
                raise GoldenScreenMismatch(f"{self.scenario}: its golden screens in {self._shown(self.golden.folder)} "
                                           f"cannot be compared, and --golden-strict asks for it: {self.unavailable}")
            self.note(f"golden: not compared: {self.unavailable}")
        return None

    def _capture(self, step_number: int, step_text: str, count: bool = True) -> Screen | None:
        read = self._read()
        if read is None:
            return None
        fb, lines = read
        if fb == self.last:
            return None
        self.last = fb
        title = lines[0] if lines else ""
        number = len(self.screens) + 1 if count else 0
        screen = Screen(number, step_number, step_text, title, title.startswith(SECRET_TITLES), fb)
        if count:
            self.screens.append(screen)
        if self.settings.evidence is not None:
            name = step_picture_name(step_number, step_text)
            path = save_screen(fb, self.settings.evidence / name, visible_mask(screen, self.settings.show_secrets))
            self.note(f"picture {name}: screen {number:02d}, {title!r}" if count else f"picture {name}: {title!r}")
            self.attach(path, f"screen after step {step_number}")
        return screen

    # Compare
    def _check(self, screen: Screen) -> None:
        golden = self.expected[screen.number - 1] if screen.number <= len(self.expected) else None
        mismatch = self.golden.compare(screen, golden)
        if mismatch is None:
            return
        self.status = "failed"
        where = self._write_mismatch(mismatch)
        if golden is None:
            what = f"it has no golden screen: the golden folder holds {len(self.expected)} screen(s)"
        else:
            what = mismatch.describe() + f"; golden {self._shown(mismatch.golden_picture)}"
        raise GoldenScreenMismatch(
            f"{self.scenario}: screen {screen.number:02d} ({screen.title!r}, after step {screen.step_number}) is not "
            f"the golden one: {what}. {where}{self._seed_hint()}If the change is intended, record again with "
            f"--golden-run.")

    def _seed_hint(self) -> str:
        """Another seed draws other words and binding codes: say so, when the golden screens were drawn with one."""
        recorded = re.search(r"seed (\w+)\)$", self.golden.recorded_with())
        now = re.search(r"seed (\w+)\)$", self.scenario)
        if recorded and now and recorded.group(1) != now.group(1):
            return (f"The golden screens were recorded with seed {recorded.group(1)}, this run's is {now.group(1)} "
                    f"(the rig file's seed differs): random screens cannot match. ")
        return ""

    def _write_mismatch(self, mismatch: Mismatch) -> str:
        folder = self.settings.evidence
        if folder is None:
            return "Run with --evidence DIR for the expected, actual and diff pictures. "
        n = mismatch.screen.number
        actual = save_screen(mismatch.screen.framebuffer, folder / f"golden-{n:02d}-actual.png",
                             visible_mask(mismatch.screen, self.settings.show_secrets))
        written = [actual]
        if mismatch.golden is not None:
            expected = self.golden.stored(mismatch.golden.number)
            written.insert(0, folder / f"golden-{n:02d}-expected.png")
            shutil.copyfile(mismatch.golden_picture, written[0])
            hide = mismatch.screen.secret or mismatch.golden.secret
            mask = None
            if hide and not self.settings.show_secrets:
                mask = secret_mask(mismatch.screen.framebuffer)
                if expected.masked_from is not None:  # hide what either picture hides
                    mask = Mask(min(mask.top, expected.masked_from))
            written.append(save_diff(expected.pixels, lit_pixels(mismatch.screen.framebuffer),
                                     folder / f"golden-{n:02d}-diff.png", mask, mismatch.mask_differs))
        for path in written:
            self.attach(path, path.stem)
        self.note(f"golden: screen {n:02d} differs: " + ", ".join(p.name for p in written))
        return f"Pictures: {', '.join(self._shown(p) for p in written)}. "

    def _finish(self) -> None:
        """The scenario passed its last step: record its screens, or check that none of the golden ones is missing."""
        if self.settings.mode == RECORD:
            if self.unavailable:
                self.status = "not recorded"
                return
            self.golden.record(self.screens, self.scenario, self.settings.show_secrets)
            self.note(f"golden: recorded {len(self.screens)} screen(s) in {self._shown(self.golden.folder)}")
        elif self.expected is not None and not self.unavailable and len(self.screens) < len(self.expected):
            self.status = "failed"
            missing = ", ".join(f"{s.number:02d} {s.title!r}" for s in self.expected[len(self.screens):])
            raise GoldenScreenMismatch(
                f"{self.scenario}: showed {len(self.screens)} screen(s) but its golden folder "
                f"{self._shown(self.golden.folder)} holds {len(self.expected)}; never shown: {missing}. "
                f"If the change is intended, record again with --golden-run.")

    def _shown(self, path: Path) -> str:
        try:
            return str(path.resolve().relative_to(self.settings.root.resolve()))
        except ValueError:
            return str(path)


def scenario_identity(item) -> tuple[Path, str, dict] | None:
    """The feature file, scenario name and outline example a test was made from; None for any other test."""
    template = registry_get_safe(scenario_wrapper_template_registry, getattr(item, "obj", None))
    if template is None:
        return None
    callspec = getattr(item, "callspec", None)
    example = callspec.params.get("_pytest_bdd_example", {}) if callspec else {}
    return Path(template.feature.filename), template.name, dict(example)


def golden_folder_clashes(items) -> list[str]:
    """Scenarios whose golden folders would be the same (two scenarios of one suite with the same name)."""
    seen: dict[Path, tuple[tuple, str]] = {}
    clashes = []
    for item in items:
        identity = scenario_identity(item)
        if identity is None:
            continue
        feature, name, example = identity
        folder = GoldenScenario.beside(feature, scenario_slug(name, example)).folder
        key = (str(feature.resolve()), name, tuple(example.items()))  # one scenario bound twice is no clash
        if folder in seen and seen[folder][0] != key:
            clashes.append(f"{seen[folder][1]} and {item.nodeid} would share the golden folder {folder}")
        seen.setdefault(folder, (key, item.nodeid))
    return clashes


class GoldenSummary:
    """On the process that reports (the xdist controller too): one line on how the golden screens went."""

    PROPERTY = "golden_screens"

    def __init__(self) -> None:
        self.outcomes: dict[str, str] = {}

    def pytest_runtest_logreport(self, report) -> None:
        for name, value in report.user_properties:
            if name == self.PROPERTY:
                self.outcomes[report.nodeid] = value

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if not self.outcomes:
            return
        counts: dict[str, int] = {}
        for status in self.outcomes.values():
            counts[status] = counts.get(status, 0) + 1
        line = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        terminalreporter.write_sep("-", f"golden screens: {line}")
        blind = [nodeid for nodeid, status in self.outcomes.items() if status == "no framebuffer"]
        if blind:
            terminalreporter.write_line(f"not compared (the rig's device shows no framebuffer: no debug link; a "
                                        f"failure with --golden-strict): {len(blind)} scenario(s)")
        uncompared = [nodeid for nodeid, status in self.outcomes.items() if status == "no golden screens"]
        if uncompared:
            terminalreporter.write_line(f"not compared (no golden screens; record them with --golden-run, or make "
                                        f"this a failure with --golden-strict): {len(uncompared)} scenario(s)")
            for nodeid in uncompared[:10]:
                terminalreporter.write_line(f"  {nodeid}")
            if len(uncompared) > 10:
                terminalreporter.write_line(f"  ... and {len(uncompared) - 10} more")
