"""What QA see when a step is wrong: an undefined step names the three nearest known ones; a value a step does
not know (a coin, a lifecycle state, a PIN with letters, a wait) names the allowed ones, never the PIN itself."""
from __future__ import annotations

import pytest

from qa_project import make_project, pytest_in
from keybench.steps import suggest
from keybench.steps.device_steps import seconds
from keybench.steps.phrases import check_pin_format, coin_named, lifecycle_named

MISTAKES = """\
Feature: Mistakes QA make
  Scenario: A misspelt step
    Given a new device
    Then the device screen show "Set PIN"

  Scenario: An unknown coin
    Given a device with a PIN and a wallet
    When the app reads the DOGE address at "m/44'/3'/0'/0/0"

  Scenario: An unknown lifecycle state
    Given a new device
    Then the device lifecycle is "brand new"

  Scenario: A PIN with letters where the device must take it
    Given a device with the PIN "12a4b6"

  Scenario: A wait that is no number of seconds
    Given a new device
    Then the device screen shows "Set PIN" within soon seconds
"""


def test_mistakes_in_a_feature_fail_saying_what_is_allowed(tmp_path):
    folder = make_project(tmp_path, {"mistakes/mistakes.feature": MISTAKES})
    result = pytest_in(folder, "features", "-q", "-rf")
    out = result.stdout
    assert result.returncode == 1 and "5 failed" in out, out + result.stderr
    assert "Did you mean one of these?" in out
    suggestions = out.split("Did you mean one of these?", 1)[1].splitlines()[1:4]
    assert suggestions[0].strip() == 'Then the device screen shows "{text}"', suggestions
    assert "unknown coin 'DOGE'; allowed: 'ETH', 'BTC'" in out
    assert "unknown lifecycle state 'brand new'; allowed: 'PIN unset', 'wallet unready', 'creating', " \
           "'recovering', 'ready'" in out
    assert "a PIN is 6 to 8 digits (0-9)" in out
    assert "a wait is a number of seconds above 0 and at most 600, got 'soon'" in out


def test_the_three_nearest_steps_are_suggested():
    found = suggest.nearest("when", "the user enter the PIN \"123456\" on device")
    assert len(found) == 3
    assert found[0] == 'When the user enters the PIN "{pin}" on the device', found


@pytest.mark.parametrize("check, value, message", [
    (coin_named, "LTC", "unknown coin 'LTC'; allowed: 'ETH', 'BTC'"),
    (lifecycle_named, "Ready", "unknown lifecycle state 'Ready'; allowed: 'PIN unset'"),
    (seconds, "0", "a wait is a number of seconds above 0"),
    (seconds, "nan", "a wait is a number of seconds above 0"),
])
def test_a_bad_value_names_the_allowed_ones(check, value, message):
    with pytest.raises(AssertionError, match=message.replace("(", r"\(")):
        check(value)


@pytest.mark.parametrize("pin", ["12a456", "12345", "123456789", "１２３４５６"])
def test_a_malformed_pin_is_refused_without_printing_it(pin):
    with pytest.raises(AssertionError, match=r"a PIN is 6 to 8 digits \(0-9\)") as refused:
        check_pin_format(pin)
    assert pin not in str(refused.value)


@pytest.mark.parametrize("pin", ["123456", "12345678"])
def test_a_well_formed_pin_passes(pin):
    check_pin_format(pin)
