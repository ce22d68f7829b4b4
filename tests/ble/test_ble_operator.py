"""Human-in-the-loop mode: OperatorHands, the terminal prompt, operator power, and real scenarios driven by a
scripted operator against the simulated BLE device."""
from __future__ import annotations

import os
import subprocess
import threading
import time
import xml.etree.ElementTree as ET

import pytest

from ble_kit import HERE, PY, ROOT, Script
from keybench.protocol import imkey
from keybench.protocol.debuglink import Button
from keybench.rigs.bench import Bench
from keybench.rigs.config import load_rig
from keybench.rigs.device_user import DeviceUser
from keybench.rigs.hands import DebugLinkHands
from keybench.rigs.operator import (NeedsOperator, NoOperator, OperatorHands, OperatorRefused, OperatorRequest,
                                    OperatorSkipped, OperatorTimeout, TerminalPrompt, ask, install_prompt, screen_lines)
from keybench.simulator.ble_robot import SimulatedOperator

OPERATOR_RIG = str(HERE / "sim-ble-operator.toml")


# OperatorHands with a scripted prompt
def test_entering_a_pin_is_one_question_and_the_screen_is_typed_back():
    script = Script(("screen", "Set PIN\nEnter 6 to 8 digits\n"),
                    ("type_confirm", ""), ("screen", "Confirm PIN\nEnter the PIN again"),
                    ("type_confirm", "done"), ("screen", "Home | Wallet unready"))
    user = DeviceUser(OperatorHands("bench-ble", script, timeout=7))
    assert user.set_pin("123456") == ["Home", "Wallet unready"]
    typed = [r for r in script.requests if r.kind == "type_confirm"]
    assert [r.args["text"] for r in typed] == ["123456", "123456"]
    assert typed[0].action == "type 6 characters on the device and press CONFIRM"
    assert "123456" in typed[0].text  # the operator is told what to type ...
    assert all("123456" not in r.action for r in script.requests)  # ... but skip reasons and logs never say it
    assert all(r.rig == "bench-ble" and r.timeout == 7 for r in script.requests)
    assert not script.steps


def test_typing_without_confirming_is_its_own_question():
    script = Script(("type", ""), ("screen", "Restore wallet\nWord 1"), ("press", ""), ("choose", ""))
    hands = OperatorHands("r", script)
    hands.type("abandon")
    assert hands.screen() == ["Restore wallet", "Word 1"]
    hands.press(Button.CANCEL)
    hands.choose("Settings")
    assert [r.action for r in script.requests] == [
        "type 7 characters on the device", "read the device screen", "press CANCEL on the device",
        "choose 'Settings' on the device"]


def test_wait_for_screen_is_one_question_and_checks_the_answer():
    hands = OperatorHands("r", Script(("screen", "Binding code\nAB23CD45\n")))
    assert hands.wait_for_screen("Binding code") == ["Binding code", "AB23CD45"]
    hands = OperatorHands("r", Script(("screen", "Home\n")))
    with pytest.raises(AssertionError, match="never showed 'Binding code'"):
        hands.wait_for_screen("Binding code")


def test_screen_transcripts():
    assert screen_lines("Home\nWallet ready\n\n") == ["Home", "Wallet ready"]
    assert screen_lines("Home | Wallet ready") == ["Home", "Wallet ready"]
    assert screen_lines("") == [""]


def request(kind="press", action="press CONFIRM on the device", multiline=False, timeout=5.0):
    return OperatorRequest(kind, action, "Press CONFIRM on the device.", "bench-ble", timeout, multiline)


def test_no_operator_becomes_needs_operator_with_the_plugins_reason():
    def nobody(_request):
        raise NoOperator("no terminal")

    with pytest.raises(NeedsOperator) as err:
        ask(request(), nobody)
    assert err.value.reason == "rig 'bench-ble' needs a bench operator at a terminal for: press CONFIRM on the device"


def test_operator_answers_skip_and_failure():
    with pytest.raises(OperatorSkipped, match="skipped: press CONFIRM"):
        ask(request(), lambda r: "skip")
    with pytest.raises(OperatorRefused, match="could not press CONFIRM on the device: 'the button is stuck'"):
        ask(request(), lambda r: "the button is stuck")
    assert ask(request(), lambda r: " OK ") == " OK "


# The terminal prompt, on a pseudo-terminal
@pytest.fixture
def pty_pair():
    master, slave = os.openpty()
    yield master, os.ttyname(slave)
    os.close(master)
    os.close(slave)


def answer_later(master: int, text: str, delay: float = 0.1) -> threading.Thread:
    def run():
        time.sleep(delay)
        os.write(master, text.encode())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def read_all(master: int) -> str:
    import select

    out = b""
    while select.select([master], [], [], 0.1)[0]:
        out += os.read(master, 4096)
    return out.decode()


def test_terminal_prompt_asks_and_reads_a_line(pty_pair, monkeypatch):
    monkeypatch.delenv("KEYBENCH_OPERATOR", raising=False)
    master, tty = pty_pair
    answer_later(master, "done\n")
    assert TerminalPrompt(tty)(request()) == "done"
    assert "[keybench] rig bench-ble: Press CONFIRM on the device." in read_all(master)


def test_terminal_prompt_reads_a_screen_until_an_empty_line(pty_pair, monkeypatch):
    monkeypatch.delenv("KEYBENCH_OPERATOR", raising=False)
    master, tty = pty_pair
    answer_later(master, "Binding code\nAB23CD45\n\n")
    assert TerminalPrompt(tty)(request("screen", "read the device screen", multiline=True)) == "Binding code\nAB23CD45"


def test_terminal_prompt_gives_up_at_its_timeout(pty_pair, monkeypatch):
    monkeypatch.delenv("KEYBENCH_OPERATOR", raising=False)
    _, tty = pty_pair
    start = time.monotonic()
    with pytest.raises(OperatorTimeout, match="no answer from the bench operator of rig 'bench-ble' within 0 s"):
        TerminalPrompt(tty)(request(timeout=0.3))
    assert 0.25 < time.monotonic() - start < 2.0


def test_no_terminal_and_the_opt_out(pty_pair, monkeypatch):
    monkeypatch.delenv("KEYBENCH_OPERATOR", raising=False)
    with pytest.raises(NoOperator, match="no terminal"):
        TerminalPrompt("/nonexistent/tty")(request())
    monkeypatch.setenv("KEYBENCH_OPERATOR", "none")
    with pytest.raises(NoOperator, match="KEYBENCH_OPERATOR=none"):
        TerminalPrompt(pty_pair[1])(request())


# Bench.open picks the hands; operator power; the scripted operator on the simulated device
def test_bench_picks_debug_link_hands_when_the_rig_has_a_debug_link():
    bench = Bench.open(load_rig("sim-ble"))
    try:
        assert isinstance(bench.hands, DebugLinkHands)
        assert bench.link.timeout == 20.0
    finally:
        bench.close()


@pytest.fixture
def robot():
    operator = SimulatedOperator()
    previous = install_prompt(operator)
    yield operator
    install_prompt(previous)


def test_operator_bench_on_the_simulated_device(robot):
    bench = Bench.open(load_rig(OPERATOR_RIG))
    try:
        assert isinstance(bench.hands, OperatorHands) and bench.hands.timeout == 10.0
        assert bench.user.set_pin("123456")[0] == "Home"
        assert bench.link.apdu_ok(imkey.LIFECYCLE) == b"\x83"
        first_client = bench.target.connection.client
        bench.power_cycle()  # asks the operator, who switches the device: the BLE link drops, the target reconnects
        assert bench.target.connection.client is not first_client
        assert bench.user.screen()[0] == "Enter PIN"
        assert [r.kind for r in robot.requests][-2:] == ["power_cycle", "screen"]
    finally:
        bench.close()


def test_operator_power_without_an_operator_is_needs_operator(monkeypatch):
    monkeypatch.setenv("KEYBENCH_OPERATOR", "none")
    bench = Bench.open(load_rig(OPERATOR_RIG))
    try:
        with pytest.raises(NeedsOperator, match="rig 'sim-ble-operator' needs a bench operator at a terminal for: "
                                                "power-cycle the device"):
            bench.power_cycle()
    finally:
        bench.close()


def run_features(tmp_path, *args: str, env: dict | None = None) -> dict[str, tuple[str, str]]:
    """Run the feature suite in a subprocess; outcome and skip message per scenario."""
    report = tmp_path / "report.xml"
    result = subprocess.run([PY, "-m", "pytest", "features", "--rig", OPERATOR_RIG, "-p", "no:randomly",
                             f"--junitxml={report}", "-q", *args], cwd=ROOT, capture_output=True, text=True,
                            timeout=300, env={**os.environ, **(env or {})})
    assert report.exists(), result.stdout[-2000:] + result.stderr[-2000:]
    outcomes = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        skipped = case.find("skipped")
        failed = case.find("failure") if case.find("failure") is not None else case.find("error")
        if failed is not None:
            outcomes[case.get("name")] = ("failed", failed.get("message", ""))
        elif skipped is not None:
            outcomes[case.get("name")] = ("skipped", skipped.get("message", ""))
        else:
            outcomes[case.get("name")] = ("passed", "")
    return outcomes


# One scenario per run: an operator rig has no factory erase, so each run starts from a new simulated device.
@pytest.mark.parametrize("scenario", [
    "test_pairing_a_new_device_with_the_app",
    "test_the_right_pin_unlocks_the_device_after_a_power_cycle",
    "test_a_manual_reset_from_the_settings_menu_needs_the_right_pin",
])
def test_a_scripted_operator_drives_real_scenarios(tmp_path, scenario):
    outcomes = run_features(tmp_path, "-k", scenario, "-p", "keybench.rigs.ble.sim_operator")
    assert outcomes == {scenario: ("passed", "")}


def test_with_no_operator_physical_steps_skip_naming_rig_and_action(tmp_path):
    outcomes = run_features(tmp_path, "features/pairing", env={"KEYBENCH_OPERATOR": "none"})
    pairing = outcomes["test_pairing_a_new_device_with_the_app"]
    assert pairing == ("skipped", "rig 'sim-ble-operator' needs a bench operator at a terminal for: "
                                  "read the device screen")
    assert not [name for name, (outcome, _) in outcomes.items() if outcome == "failed"]
