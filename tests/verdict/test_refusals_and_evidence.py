"""Refused device actions raise; failed screen checks show the whole screen; evidence is unique, fresh, marked."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from support import ROOT
from keybench.protocol.debuglink import Button
from keybench.rigs.bench import Bench
from keybench.rigs.config import load_rig
from keybench.rigs.hands import ActionRefused
from keybench.steps.evidence import EvidenceFolderInUse, EvidenceRecorder, folder_name, start_run


@pytest.fixture
def bench():
    bench = Bench.open(load_rig("sim"))
    bench.prepare("refusals")
    yield bench
    bench.close()


def test_a_press_the_device_refuses_raises_naming_op_status_and_screen(bench):
    with pytest.raises(ActionRefused) as refused:
        bench.hands.press(Button.CANCEL)  # the Set PIN screen has nothing to cancel to
    assert str(refused.value) == ("the device refused PRESS CANCEL: conditions_not_satisfied (6985); "
                                  "the screen shows 'Set PIN' / 'Enter 6 to 8 digits'")


def test_a_choose_the_device_refuses_raises(bench):
    with pytest.raises(ActionRefused, match=r"refused CHOOSE 'Settings': conditions_not_satisfied \(6985\)"):
        bench.hands.choose("Settings")  # no menu before the PIN is set


def test_an_entry_the_device_answers_on_its_screen_is_not_a_refusal(bench):
    lines = bench.user.set_pin("12a456")  # refused with 6A80 *and* a message on the screen: the device works
    assert lines[:2] == ["Set PIN", "PIN must be 6 to 8 digits"]


def test_a_failed_wait_for_the_screen_shows_the_whole_screen(bench):
    with pytest.raises(AssertionError) as failed:
        bench.hands.wait_for_screen("Home", timeout=0)
    assert str(failed.value).endswith("it shows 'Set PIN' / 'Enter 6 to 8 digits'")


def test_the_words_of_a_secret_screen_are_never_in_a_message(bench):
    bench.user.set_pin("123456")
    bench.user.start_wallet("Create wallet", 12)
    words = bench.user.read_words()
    with pytest.raises(AssertionError) as failed:
        bench.hands.wait_for_screen("Home", timeout=0)
    assert "Write down your words" in str(failed.value) and not any(w in str(failed.value) for w in words)


def test_folder_names_are_unique_even_when_long_ids_share_a_prefix():
    ids = [f"features/restore/test_restore.py::test_x[{'abandon ' * 30}{word}]" for word in ("about", "agent")]
    names = [folder_name(nodeid) for nodeid in ids]
    assert names[0] != names[1] and all(len(name) <= 111 for name in names)


def test_a_run_starts_from_an_empty_evidence_folder_and_never_empties_a_strange_one(tmp_path):
    root = tmp_path / "evidence"
    start_run(root)
    (root / "old-scenario").mkdir()
    start_run(root)
    assert sorted(p.name for p in root.iterdir()) == [".keybench-evidence"]
    strange = tmp_path / "home"
    strange.mkdir()
    (strange / "thesis.tex").write_text("precious")
    with pytest.raises(EvidenceFolderInUse):
        start_run(strange)
    assert (strange / "thesis.tex").read_text() == "precious"


def test_repeated_screen_reads_are_logged_once_with_a_count():
    from keybench.protocol.debuglink import Op
    from keybench.protocol.framing import Channel
    from keybench.rigs.link import Exchange

    recorder = EvidenceRecorder()
    screen = Exchange(Channel.DEBUG, bytes([Op.SCREEN]), b"\x90\x00Home")
    recorder.mark_step("When something")
    for _ in range(300):
        recorder(screen)
    assert recorder.debug_log == ["--- step 1: When something", "SCREEN  -> 9000 'Home'  (x300)"]


def test_a_feature_run_writes_one_marked_folder_per_scenario(tmp_path):
    evidence = tmp_path / "evidence"
    result = subprocess.run([sys.executable, "-m", "pytest", "features", "-q", "--evidence", str(evidence)],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:]
    ran = int(re.search(r"(\d+) passed", result.stdout).group(1))
    folders = [p for p in evidence.iterdir() if p.is_dir()]
    assert len(folders) == ran  # one per scenario, none shared
    for folder in folders:
        log = (folder / "debug.log").read_text()
        assert log.startswith("--- step 1: ") or log.strip() == "", folder
        assert (folder / "rig.txt").read_text().startswith("rig=sim target=sim firmware=1.5.08 serial=")
