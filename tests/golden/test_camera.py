"""The scenario camera (steps/screenshots.py) on fake hands: a picture per changed screen, golden screens recorded
and compared, the step failing with the expected, actual and diff pictures."""
from __future__ import annotations

import pytest

from keybench.rigs.hands import NoFramebuffer
from keybench.steps.golden import GoldenScenario
from keybench.steps.pictures import read_screen, secret_mask
from keybench.steps.screenshots import COMPARE, RECORD, CameraSettings, GoldenScreenMismatch, ScreenCamera
from synthetic import FakeHands, framebuffer


def camera(tmp_path, hands, mode, strict=False, show_secrets=False, evidence=True, scenario="the scenario"):
    notes, attached = [], []
    settings = CameraSettings(mode, strict, show_secrets, tmp_path / "evidence" if evidence else None, tmp_path)
    cam = ScreenCamera(hands, GoldenScenario(tmp_path / "snapshots" / "s"), scenario, settings,
                       notes.append, lambda path, name: attached.append(path.name))
    return cam, notes, attached


def play(cam, hands, screens):
    """Each entry is one step: the screen it leaves (None: the device is off), the last one ends the scenario."""
    for number, lines in enumerate(screens, 1):
        hands.off = lines is None
        if lines:
            hands.show(*lines)
        cam.after_step(number, f"step {number} does something", last_step=number == len(screens))


FLOW = [("Set PIN", "Enter 6 to 8 digits"), ("Confirm PIN", "Enter the PIN again"),
        ("Confirm PIN", "Enter the PIN again"), ("Home", "Create wallet"), None, ("Enter PIN", "5 attempts left")]


def test_a_picture_for_each_step_that_changed_the_screen_named_by_step(tmp_path):
    hands = FakeHands()
    cam, notes, attached = camera(tmp_path, hands, RECORD)
    play(cam, hands, FLOW)
    names = sorted(p.name for p in (tmp_path / "evidence").iterdir())
    assert names == ["01-step-1-does-something.png", "02-step-2-does-something.png",
                     "04-step-4-does-something.png", "06-step-6-does-something.png"]  # 3 showed the same; 5: off
    assert attached == names
    assert [s.title for s in cam.screens] == ["Set PIN", "Confirm PIN", "Home", "Enter PIN"]
    assert [s.step_number for s in cam.screens] == [1, 2, 4, 6]
    assert any("picture 04-step-4-does-something.png: screen 03, 'Home'" in n for n in notes)


def test_golden_run_then_a_normal_run_passes(tmp_path):
    hands = FakeHands()
    cam, _, _ = camera(tmp_path, hands, RECORD)
    play(cam, hands, FLOW)
    assert [s.title for s in cam.golden.index()] == ["Set PIN", "Confirm PIN", "Home", "Enter PIN"]
    cam, _, _ = camera(tmp_path, FakeHands(), COMPARE)
    play(cam, cam.hands, FLOW)
    assert cam.status == "compared"


def test_one_pixel_off_fails_the_step_that_showed_it_with_expected_actual_and_diff(tmp_path):
    hands = FakeHands()
    cam, _, _ = camera(tmp_path, hands, RECORD)
    play(cam, hands, FLOW)
    hands = FakeHands()
    cam, notes, attached = camera(tmp_path, hands, COMPARE)
    hands.tweak = (100, 60)
    with pytest.raises(GoldenScreenMismatch) as failure:
        play(cam, hands, FLOW)
    message = str(failure.value)
    assert "the scenario: screen 01 ('Set PIN', after step 1) is not the golden one: 1 pixel differs (x 100-100, " \
           "y 60-60)" in message
    assert "snapshots/s/01.png" in message and "--golden-run" in message
    for kind in ("expected", "actual", "diff"):
        assert (tmp_path / "evidence" / f"golden-01-{kind}.png").is_file()
        assert f"evidence/golden-01-{kind}.png" in message
        assert f"golden-01-{kind}.png" in attached
    assert cam.status == "failed"


def test_fewer_screens_than_the_golden_ones_fail_the_last_step(tmp_path):
    hands = FakeHands()
    cam, _, _ = camera(tmp_path, hands, RECORD)
    play(cam, hands, FLOW)
    cam, _, _ = camera(tmp_path, FakeHands(), COMPARE)
    with pytest.raises(GoldenScreenMismatch, match=r"showed 3 screen\(s\) .* holds 4; never shown: 04 'Enter PIN'"):
        play(cam, cam.hands, FLOW[:4])


def test_more_screens_than_the_golden_ones_fail_at_the_first_extra_one(tmp_path):
    hands = FakeHands()
    cam, _, _ = camera(tmp_path, hands, RECORD)
    play(cam, hands, FLOW[:2])
    cam, _, _ = camera(tmp_path, FakeHands(), COMPARE)
    with pytest.raises(GoldenScreenMismatch, match=r"screen 03 \('Home', after step 4\).*no golden screen"):
        play(cam, cam.hands, FLOW)


def test_no_golden_folder_is_not_compared_and_said_once_unless_strict(tmp_path):
    cam, notes, _ = camera(tmp_path, FakeHands(), COMPARE)
    play(cam, cam.hands, FLOW)
    assert cam.status == "no golden screens"
    assert [n for n in notes if n.startswith("golden:")] == ["golden: no golden screens in snapshots/s: not compared"]
    cam, _, _ = camera(tmp_path, FakeHands(), COMPARE, strict=True)
    with pytest.raises(GoldenScreenMismatch, match="no golden screens in snapshots/s, and --golden-strict"):
        play(cam, cam.hands, FLOW)


WORDS = [("Set PIN", "Enter 6 to 8 digits"), ("Write down your words", "1 abandon 2 ability", "3 able 4 about")]


@pytest.mark.parametrize("show_secrets", [False, True])
def test_the_words_are_masked_in_every_picture_unless_show_secrets(tmp_path, show_secrets):
    hands = FakeHands()
    cam, _, _ = camera(tmp_path, hands, RECORD, show_secrets=show_secrets)
    play(cam, hands, WORDS)
    words = framebuffer(*WORDS[1])
    top = secret_mask(words).top
    for picture in (tmp_path / "evidence" / "02-step-2-does-something.png", cam.golden.picture(2)):
        stored = read_screen(picture)
        assert stored.masked_from == (None if show_secrets else top)
        assert any(any(row) for row in stored.pixels[top:]) == show_secrets
    assert cam.golden.digest_file(2).is_file() and not cam.golden.digest_file(1).exists()


def test_a_changed_word_fails_through_the_digest_and_its_pictures_stay_masked(tmp_path):
    hands = FakeHands()
    cam, _, _ = camera(tmp_path, hands, RECORD)
    play(cam, hands, WORDS)
    cam, _, _ = camera(tmp_path, FakeHands(), COMPARE)
    other = [WORDS[0], ("Write down your words", "1 abandon 2 ability", "3 able 4 absent")]
    with pytest.raises(GoldenScreenMismatch, match="screen 02 .*the hidden word area differs"):
        play(cam, cam.hands, other)
    top = secret_mask(framebuffer(*other[1])).top
    for kind in ("expected", "actual"):
        stored = read_screen(tmp_path / "evidence" / f"golden-02-{kind}.png")
        assert stored.masked_from == top and not any(any(row) for row in stored.pixels[top:])


def test_hands_without_a_framebuffer_write_no_pictures_and_say_why(tmp_path):
    class OperatorLike(FakeHands):
        def framebuffer(self):
            raise NoFramebuffer("OperatorHands cannot read the device's framebuffer: it needs a debug link")

    cam, notes, _ = camera(tmp_path, OperatorLike(), COMPARE)
    play(cam, cam.hands, FLOW)
    assert not (tmp_path / "evidence").exists()
    assert [n for n in notes if n.startswith("pictures:")] == [
        "pictures: none for this scenario: OperatorHands cannot read the device's framebuffer: it needs a debug link"]


def test_golden_screens_on_hands_without_a_framebuffer_go_uncompared_unless_strict(tmp_path):
    """An operator's bench (a real device, no debug link) runs the scenarios; the summary counts them uncompared."""
    class OperatorLike(FakeHands):
        def framebuffer(self):
            raise NoFramebuffer("OperatorHands cannot read the device's framebuffer: it needs a debug link")

    hands = FakeHands()
    cam, _, _ = camera(tmp_path, hands, RECORD)
    play(cam, hands, FLOW)
    cam, notes, _ = camera(tmp_path, OperatorLike(), COMPARE)
    play(cam, cam.hands, FLOW)
    assert cam.status == "no framebuffer" and "golden: not compared: OperatorHands cannot read" in " ".join(notes)
    cam, _, _ = camera(tmp_path, OperatorLike(), COMPARE, strict=True)
    with pytest.raises(GoldenScreenMismatch, match="cannot be compared, and --golden-strict asks for it"):
        play(cam, cam.hands, FLOW)


def test_a_mismatch_under_another_seed_says_the_seeds_differ(tmp_path):
    hands = FakeHands()
    cam, _, _ = camera(tmp_path, hands, RECORD, scenario="the scenario (x.feature, rig sim, seed 1)")
    play(cam, hands, FLOW)
    cam, _, _ = camera(tmp_path, FakeHands(), COMPARE, scenario="the scenario (x.feature, rig bench, seed 2)")
    cam.hands.tweak = (100, 60)
    with pytest.raises(GoldenScreenMismatch, match="recorded with seed 1, this run's is 2"):
        play(cam, cam.hands, FLOW)
