"""Feature files are found by path with no Python file beside them; tags are markers; a misspelt keybench tag
stops only its own feature; a project that still binds features from a test module runs each scenario once."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from qa_project import ROOT, collected, make_project, pytest_in, run

MINE = """\
@mine
Feature: Mine
  Background:
    Given a device with the PIN "123456" and a 12-word wallet

  Scenario: Ready after a wallet
    Then the device lifecycle is "ready"

  @slow
  Scenario: Slow to say so
    Then the device screen shows "Home"

  Rule: Wrong PINs count
    @needs_power_cycle
    Scenario: One wrong PIN after a power cycle
      When the device is power cycled
      And the user enters a wrong PIN 1 time
      Then the wrong-PIN counter is 1
"""

OUTLINE = """\
Feature: PIN length
  Scenario Outline: A PIN of the wrong length
    Given a new device
    When the user tries to set the PIN "<pin>" on the device
    Then the device screen shows "<screen>"

    Examples:
      | pin    | screen                    |
      | 12345  | PIN must be 6 to 8 digits |
      | 123456 | Create wallet             |
"""

BAD_TAG = """\
Feature: A misspelt capability
  @needs_powr_cut
  Scenario: Never collected
    Given a new device
"""

LEGACY = """\
Feature: Bound the old way
  Scenario: Still runs once
    Given a new device
    Then the device screen shows "Set PIN"
"""


def project(tmp_path):
    return make_project(tmp_path, {"mine/x.feature": MINE, "mine/outline.feature": OUTLINE})


def test_one_feature_file_by_path_each_scenario_an_item(tmp_path):
    folder = project(tmp_path)
    ids = collected(pytest_in(folder, "features/mine/x.feature", "--collect-only", "-q"))
    assert ids == ["features/mine/x.feature::test_ready_after_a_wallet",
                   "features/mine/x.feature::test_slow_to_say_so",
                   "features/mine/x.feature::test_one_wrong_pin_after_a_power_cycle"]
    result = pytest_in(folder, "features/mine/x.feature", "-q")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout


def test_a_folder_and_the_default_collect_every_feature_once(tmp_path):
    folder = project(tmp_path)
    for args in (["features/mine"], []):
        ids = collected(pytest_in(folder, *args, "--collect-only", "-q"))
        assert len(ids) == len(set(ids)) == 5, ids
        assert "features/mine/outline.feature::test_a_pin_of_the_wrong_length[12345-PIN must be 6 to 8 digits]" \
            in ids


def test_free_tags_select_with_m_under_strict_markers(tmp_path):
    folder = project(tmp_path)
    result = pytest_in(folder, "features", "-q", "--strict-markers", "-m", "mine and not slow")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed, 3 deselected" in result.stdout


def test_k_takes_words_joined_with_and(tmp_path):
    folder = project(tmp_path)
    result = pytest_in(folder, "features", "-q", "-k", "pin and length")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed, 3 deselected" in result.stdout


def test_a_misspelt_keybench_tag_is_an_error_naming_the_known_ones(tmp_path):
    folder = make_project(tmp_path, {"mine/x.feature": MINE, "bad/bad.feature": BAD_TAG})
    result = pytest_in(folder, "features", "-q")
    assert result.returncode == 2, result.stdout + result.stderr
    line = next(line for line in result.stdout.splitlines() if "@needs_powr_cut" in line)
    assert "bad.feature" in line and "did you mean @needs_power_cut?" in line, line
    assert "@needs_power_cycle" in line and "@wipes_device" in line, line
    assert "1 error" in result.stdout


def test_a_feature_bound_by_a_test_module_runs_once(tmp_path):
    folder = make_project(tmp_path, {"old/legacy.feature": LEGACY, "old/test_legacy.py":
                                     'from pytest_bdd import scenarios\n\nscenarios("legacy.feature")\n'})
    result = pytest_in(folder, "features", "-q")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_keybench_run_runs_just_the_folder_with_the_reports(tmp_path):
    folder = make_project(tmp_path, {"mine/x.feature": MINE, "other/outline.feature": OUTLINE})
    result = run(folder, "keybench", "run", "features/other", "-p", "no:cacheprovider", "--rootdir", str(folder))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
    report = json.loads((folder / "build" / "cucumber.json").read_text())
    assert [feature["uri"] for feature in report] == ["features/other/outline.feature"]
    assert len([path for path in (folder / "build" / "evidence").iterdir() if path.is_dir()]) == 2
    assert ET.parse(folder / "build" / "junit.xml").getroot().find("testsuite").get("tests") == "2"
    assert len(list((folder / "build" / "allure-results").glob("*-result.json"))) == 2


def test_the_repository_collects_each_scenario_once_whatever_the_paths():
    """scripts/run-all-tests runs `pytest tests features`; scripts/run-features runs `pytest features`."""
    alone = [i for i in collected(pytest_in(ROOT, "features", "--collect-only", "-q")) if ".feature::" in i]
    both = [i for i in collected(pytest_in(ROOT, "tests", "features", "--collect-only", "-q")) if ".feature::" in i]
    assert len(alone) > 70 and alone == both and len(set(both)) == len(both)
    assert "features/pin/pin_lockout.feature::test_five_wrong_pins_in_a_row_wipe_the_device" in alone
