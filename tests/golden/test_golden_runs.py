"""Golden screens and screen pictures through real pytest runs of the feature suites on the simulator (each run a
child process, as QA run them): the committed golden screens, --golden-run, the evidence pictures, the secret mask,
and one flipped pixel of the PIN screen failing exactly the scenarios whose golden index shows that screen."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from PIL import Image

from keybench.steps.golden import INDEX, SNAPSHOTS, GoldenScenario
from keybench.steps.pictures import ONLY_ACTUAL, SCALE, colours, read_screen
from support import ROOT

HERE = Path(__file__).resolve().parent
FEATURES = ROOT / "features"
SUITES = ("pairing", "pin", "restore", "backup")  # the four seed flows and the backup suite
PIN_SCREEN = "Enter PIN"  # tests/golden/flip_pin_pixel.py flips one pixel of this screen
FLIPPED = (120, 60)
TIMEOUT_S = 600


def run(*args: str, plugin: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")])))
    command = [sys.executable, "-m", "pytest", "-q", *args, *(["-p", plugin] if plugin else [])]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT_S, env=env)


def junit_key(nodeid: str) -> str:
    """A pytest node id as JUnit XML names its test case: the file's path dotted, then the test's name."""
    path, name = nodeid.split("::", 1)
    return f"{path.replace('/', '.')}::{name}"


def junit(path: Path) -> dict[str, str]:
    """JUnit key -> passed, failed or skipped (a failure: 'failed:' and its message)."""
    outcomes = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        nodeid = f"{case.get('classname')}::{case.get('name')}"
        failure = case.find("failure")
        skipped = case.find("skipped")
        outcomes[nodeid] = ("failed:" + (failure.get("message") or "")) if failure is not None else \
            "skipped" if skipped is not None else "passed"
    return outcomes


def evidence_folders(root: Path) -> dict[str, Path]:
    """test id -> the scenario's evidence folder."""
    return {(folder / "rig.txt").read_text().split("test=")[1].strip(): folder
            for folder in root.iterdir() if (folder / "rig.txt").is_file()}


def golden_folder_of(evidence: Path) -> Path:
    """The golden folder the run compared the scenario with, as its debug log says."""
    found = re.search(r"### golden: compared with (\S+) \(", (evidence / "debug.log").read_text())
    assert found, f"{evidence}: its debug log does not say which golden screens it was compared with"
    return ROOT / found.group(1)


def test_every_scenario_of_the_seed_flows_and_backup_has_golden_screens_and_they_pass(tmp_path):
    result = run("features", "--golden-strict", "--evidence", str(tmp_path / "ev"), "--junitxml",
                 str(tmp_path / "j.xml"))
    outcomes = junit(tmp_path / "j.xml")
    assert result.returncode == 0, result.stdout[-3000:]
    assert set(outcomes.values()) == {"passed"} and len(outcomes) > 50
    assert re.search(rf"golden screens: {len(outcomes)} compared\b", result.stdout)
    for suite in SUITES:
        assert list((FEATURES / suite / SNAPSHOTS).glob(f"*/{INDEX}")), f"no golden screens for {suite}"
    compared = {golden_folder_of(folder) for folder in evidence_folders(tmp_path / "ev").values()}
    stored = {index.parent for index in FEATURES.glob(f"*/{SNAPSHOTS}/*/{INDEX}")}
    assert stored - compared == set(), "golden folders no scenario uses (a renamed scenario's): delete them"
    assert len(compared) == len(outcomes)


def test_one_flipped_pixel_of_the_pin_screen_fails_exactly_the_scenarios_whose_golden_index_shows_it(tmp_path):
    evidence = tmp_path / "ev"
    run("features", "--evidence", str(evidence), "--junitxml", str(tmp_path / "j.xml"), plugin="flip_pin_pixel")
    outcomes = junit(tmp_path / "j.xml")
    folders = evidence_folders(evidence)
    assert "skipped" not in outcomes.values() and len(folders) == len(outcomes)
    shows_pin = {}
    for nodeid, folder in folders.items():
        index = GoldenScenario(golden_folder_of(folder)).index()
        pin_screens = [screen.number for screen in index if screen.title == PIN_SCREEN]
        if pin_screens:
            shows_pin[nodeid] = pin_screens[0]
    failed = {key for key, outcome in outcomes.items() if outcome.startswith("failed")}
    assert failed == {junit_key(nodeid) for nodeid in shows_pin}
    assert 0 < len(failed) < len(outcomes)
    for nodeid, number in shows_pin.items():
        folder = folders[nodeid]
        message = outcomes[junit_key(nodeid)]
        assert f"screen {number:02d} ('{PIN_SCREEN}'" in message and "1 pixel differs (x 120-120, y 60-60)" in message
        diff = folder / f"golden-{number:02d}-diff.png"
        assert (folder / f"golden-{number:02d}-expected.png").is_file() and diff.is_file()
        with Image.open(diff) as picture:
            assert colours(picture).count(ONLY_ACTUAL) == SCALE * SCALE  # one device pixel, lit only now
            assert picture.convert("RGB").getpixel((FLIPPED[0] * SCALE, FLIPPED[1] * SCALE)) == ONLY_ACTUAL


def _copy_suite(tmp_path: Path, feature: str) -> Path:
    target = tmp_path / "features" / Path(feature).parent.name
    target.mkdir(parents=True)
    shutil.copy(FEATURES / feature, target)
    return target


def test_golden_run_writes_the_screens_then_a_normal_run_passes_and_a_changed_golden_fails(tmp_path):
    suite = _copy_suite(tmp_path, "pin/pin_lockout.feature")
    result = run(str(suite), "--golden-strict")
    assert result.returncode == 1 and "no golden screens in" in result.stdout  # nothing recorded yet

    result = run(str(suite), "--golden-run")
    assert result.returncode == 0 and "golden screens: 13 recorded" in result.stdout, result.stdout[-2000:]
    folders = sorted((suite / SNAPSHOTS).iterdir())
    assert len(folders) == 13
    for folder in folders:  # the same screens as the committed ones: recording is deterministic
        committed = FEATURES / "pin" / SNAPSHOTS / folder.name
        assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in committed.iterdir())
        for picture in folder.glob("*.png"):
            assert read_screen(picture) == read_screen(committed / picture.name), picture

    result = run(str(suite), "--golden-strict")
    assert result.returncode == 0 and "golden screens: 13 compared" in result.stdout, result.stdout[-2000:]

    target = suite / SNAPSHOTS / "wrong-pins-at-the-reset-menu-count-toward-the-lockout" / "02.png"
    with Image.open(target) as picture:
        edited = picture.convert("RGB")
    edited.paste((150, 220, 255), (0, 60 * SCALE, SCALE, 61 * SCALE))  # light device pixel (0, 60)
    edited.save(target)
    result = run(str(suite), "--evidence", str(tmp_path / "ev"))
    assert result.returncode == 1 and "1 failed, 12 passed" in result.stdout
    assert "screen 02 ('Reset device', after step 2) is not the golden one: 1 pixel differs (x 0-0, y 60-60)" \
        in result.stdout


def test_a_picture_for_each_step_that_changed_the_screen_the_same_as_its_golden_one(tmp_path):
    result = run("features/pin", "-k", "right and unlocks and power and cycle", "--evidence", str(tmp_path))
    assert result.returncode == 0 and "1 passed" in result.stdout, result.stdout[-2000:]
    [folder] = evidence_folders(tmp_path).values()
    pictures = sorted(p.name for p in folder.glob("[0-9]*.png"))
    assert pictures == ["01-a-device-with-the-pin-123456-and-a-12-word-wallet.png",
                        "02-the-device-is-power-cycled.png", "04-the-user-enters-the-right-pin-on-the-device.png"]
    golden = GoldenScenario(golden_folder_of(folder))
    assert [(s.step_number, s.title) for s in golden.index()] == [(1, "Home"), (2, "Enter PIN"), (4, "Home")]
    for number, name in enumerate(pictures, 1):
        assert read_screen(folder / name) == read_screen(golden.picture(number))
    log = (folder / "debug.log").read_text()
    assert "### picture 02-the-device-is-power-cycled.png: screen 02, 'Enter PIN'" in log
    assert "FRAMEBUFFER 00 -> 9000 (512 bytes of pixels)" in log and not re.search(r"[0-9a-f]{64}", log)


def test_the_words_are_masked_in_pictures_unless_show_secrets(tmp_path):
    selection = ("features/restore", "-k", "mnemonic and check and wrong")
    name = "02-the-user-starts-creating-a-12-word-wallet-and-writes-down.png"  # cut at 60 characters
    run(*selection, "--evidence", str(tmp_path / "hidden"))
    run(*selection, "--evidence", str(tmp_path / "shown"), "--show-secrets")
    [hidden] = evidence_folders(tmp_path / "hidden").values()
    [shown] = evidence_folders(tmp_path / "shown").values()
    golden = GoldenScenario(golden_folder_of(hidden))
    words_screen = next(s for s in golden.index() if s.secret)
    assert words_screen.title == "Write down your words" and golden.digest_file(words_screen.number).is_file()
    masked, plain = read_screen(hidden / name), read_screen(shown / name)
    top = masked.masked_from
    assert top is not None and plain.masked_from is None
    assert not any(any(row) for row in masked.pixels[top:])  # no pixel of a word
    assert sum(sum(row) for row in plain.pixels[top:]) > 100  # the words, drawn
    assert masked.pixels[:top] == plain.pixels[:top]  # the title bar, the same
    assert read_screen(golden.picture(words_screen.number)) == masked  # the committed golden is masked too
    words = re.findall(r"'Write down your words\\n(.*?)'", (shown / "debug.log").read_text())
    assert words and "<redacted>" in (hidden / "debug.log").read_text()
    secret = set(re.findall(r"\d+ ([a-z]+)", words[0]))
    stored = "".join(p.read_text() for p in golden.folder.iterdir() if p.suffix in (".txt", ".digest"))
    assert secret and not any(re.search(rf"\b{word}\b", stored) for word in secret)
