"""keybench's Cucumber JSON report (--cucumber-report, steps/cucumber.py), read the way report viewers read it.

A small project beside the repo runs a probe feature on a simulator rig without a power switch: one undefined step,
one scenario skipped for a capability, one failure with steps after it, passing outline rows. Its report must
validate against Cucumber's own schema (tests/vectors/cucumber-jvm-schema.json) and say exactly what happened.
"""
from __future__ import annotations

import base64
import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from keybench.steps.cucumber_json import add_run_facts, error_message
from support import ROOT, write_rig

SCHEMA = json.loads((ROOT / "tests" / "vectors" / "cucumber-jvm-schema.json").read_text())
RIG = "sim-no-power"

PROBE_FEATURE = """\
@pin
Feature: Report probe
  What keybench's Cucumber report must show.

  Background:
    Given a device with the PIN "123456" and a 12-word wallet

  Scenario: A step nobody wrote
    When the user does something no step knows
    Then the device screen shows "Wallet ready"

  @needs_power_cycle
  Scenario: Needs a power switch
    When the device is power cycled
    Then the device screen shows "5 attempts left"

  Scenario: The wrong lifecycle
    Then the device lifecycle is "PIN unset"
    And the device screen shows "Wallet ready"
    And the device screen shows "Home"

  Scenario Outline: Ready either way
    Then the device screen shows "<text>"

    Examples:
      | text         |
      | Wallet ready |
      | Home         |

  @xfail
  Scenario: A known failure
    Then the device lifecycle is "PIN unset"
    And the device screen shows "Home"
"""


BIND_FEATURES = 'from pytest_bdd import scenarios\n\nscenarios("probe.feature")\n'


def make_project(folder: Path) -> Path:
    """A project of its own that uses the step library the way another project would (one conftest line)."""
    (folder / "features").mkdir(parents=True)
    (folder / "conftest.py").write_text('pytest_plugins = ["keybench.steps.plugin"]\n')
    (folder / "features" / "probe.feature").write_text(PROBE_FEATURE)
    (folder / "features" / "test_probe.py").write_text(BIND_FEATURES)
    write_rig(folder, RIG, "sim", ["debug_link", "factory_erase", "destructive"], {})
    return folder


def run_project(folder: Path, *args: str, operator: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    if operator is not None:
        env["KEYBENCH_OPERATOR"] = operator
    command = [sys.executable, "-m", "pytest", "features", "--rootdir", str(folder), "-p", "no:cacheprovider",
               "--rig", f"{RIG}.toml", "--cucumber-report", "out/cucumber.json", "--evidence", "ev", *args]
    return subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=600)


def read_report(folder: Path) -> list[dict]:
    return json.loads((folder / "out" / "cucumber.json").read_text())


def scenarios_by_name(report: list[dict]) -> dict[str, dict]:
    return {element["name"]: element for feature in report for element in feature["elements"]}


def statuses(element: dict) -> list[str]:
    return [step["result"]["status"] for step in element["steps"]]


def attachment(element: dict) -> str:
    [embedding] = element["steps"][0]["embeddings"]
    assert embedding["mime_type"] == "text/plain"
    return base64.b64decode(embedding["data"]).decode()


@pytest.fixture(scope="module")
def serial_run(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess, list[dict]]:
    folder = make_project(tmp_path_factory.mktemp("serial"))
    result = run_project(folder, "-q")
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-2000:]  # the undefined step and failure
    return folder, result, read_report(folder)


def test_the_report_of_an_undefined_step_a_capability_skip_and_a_failure_validates_and_shows_all_three(serial_run):
    _, result, report = serial_run
    jsonschema.validate(report, SCHEMA)
    [feature] = report
    assert (feature["uri"], feature["name"]) == ("features/probe.feature", "Report probe")
    assert feature["tags"] == [{"name": "@pin", "type": "Tag", "location": {"line": 1, "column": 1}}]
    assert [element["name"] for element in feature["elements"]] == [
        "A step nobody wrote", "Needs a power switch", "The wrong lifecycle", "Ready either way", "Ready either way",
        "A known failure"]
    scenarios = scenarios_by_name(report)

    undefined = scenarios["A step nobody wrote"]
    assert statuses(undefined) == ["passed", "undefined", "skipped"]
    message = undefined["steps"][1]["result"]["error_message"]
    assert message.startswith('StepDefinitionNotFoundError: Step definition is not found: When "the user does '
                              'something no step knows". Line 9 in scenario "A step nobody wrote" in the feature '
                              '"features/probe.feature"'), message
    assert "Did you mean one of these?" in message  # steps/suggest.py's nearest known steps

    skipped = scenarios["Needs a power switch"]
    assert statuses(skipped) == ["skipped", "skipped", "skipped"]
    assert [step["name"] for step in skipped["steps"]] == [
        'a device with the PIN "123456" and a 12-word wallet', "the device is power cycled",
        'the device screen shows "5 attempts left"']
    reason = f"rig {RIG!r} lacks capability 'power_cycle'"
    assert skipped["steps"][0]["result"]["error_message"] == reason
    assert f"skipped: {reason}" in attachment(skipped)
    assert {"name": "@needs_power_cycle"} in skipped["tags"]

    failed = scenarios["The wrong lifecycle"]
    assert statuses(failed)[:2] == ["passed", "failed"]
    assert failed["steps"][1]["result"]["error_message"].startswith("AssertionError: lifecycle is 0x")
    assert "cucumber report: 6 scenario(s)" in result.stdout


def test_the_steps_after_a_failure_are_skipped_with_no_message(serial_run):
    failed = scenarios_by_name(serial_run[2])["The wrong lifecycle"]
    assert statuses(failed) == ["passed", "failed", "skipped", "skipped"]
    assert [step["keyword"] for step in failed["steps"]] == ["Given ", "Then ", "And ", "And "]
    assert all("error_message" not in step["result"] for step in failed["steps"][2:])


def test_the_error_message_is_the_assertion_with_a_traceback_through_keybench_and_step_code_only(serial_run):
    message = scenarios_by_name(serial_run[2])["The wrong lifecycle"]["steps"][1]["result"]["error_message"]
    first, *trace = message.splitlines()
    assert first == "AssertionError: lifecycle is 0x86, expected 'PIN unset' (0x81)"
    assert trace[0] == "Traceback (keybench and step code, most recent call last):"
    assert trace[1].startswith('  File "steps/device_steps.py", line ') and trace[1].endswith(", in lifecycle_is")
    for internal in ("_pytest", "pluggy", "pytest_bdd", "site-packages", "assert 134 ==", "\nassert "):
        assert internal not in message


def test_each_scenario_carries_its_rig_target_firmware_serial_seed_and_evidence_folder(serial_run):
    folder, _, report = serial_run
    for name, element in scenarios_by_name(report).items():
        tags = [tag["name"] for tag in element["tags"]]
        assert tags[:1] == ["@pin"] and f"@rig:{RIG}" in tags and "@target:sim" in tags, (name, tags)
        facts = dict(line.split(": ", 1) for line in attachment(element).splitlines())
        assert (facts["rig"], facts["target"]) == (RIG, "sim")
        if name == "Needs a power switch":
            continue  # skipped before the device was reached: no firmware, serial, seed or evidence
        assert {f"@firmware:{facts['firmware version']}", f"@serial:{facts['device serial']}",
                f"@seed:{facts['seed']}"} <= set(tags)
        assert facts["seed"].isdigit() and facts["firmware version"] and facts["device serial"]
        evidence = folder / facts["evidence"]
        assert evidence.parent == folder / "ev" and (evidence / "transcript.txt").is_file(), facts["evidence"]


def test_outline_rows_are_separate_scenarios_with_their_own_ids(serial_run):
    [feature] = serial_run[2]
    rows = [element for element in feature["elements"] if element["name"] == "Ready either way"]
    assert [statuses(row) for row in rows] == [["passed", "passed"], ["passed", "passed"]]
    assert [row["steps"][1]["name"] for row in rows] == ['the device screen shows "Wallet ready"',
                                                          'the device screen shows "Home"']
    assert len({element["id"] for element in feature["elements"]}) == len(feature["elements"]) == 6


def test_an_expected_failure_is_skipped_naming_what_failed(serial_run):
    known = scenarios_by_name(serial_run[2])["A known failure"]
    assert statuses(known) == ["passed", "skipped", "skipped"]
    message = known["steps"][1]["result"]["error_message"]
    assert message.startswith("expected to fail (xfail): AssertionError: lifecycle is 0x")
    assert "pytest_runtest_call" not in message and "_pytest" not in message


def test_the_schema_rejects_a_report_viewers_could_not_read(serial_run):
    """The validation above can fail: a status viewers do not know, a step without its result."""
    for spoil in (lambda r: r[0]["elements"][0]["steps"][0]["result"].update(status="broken"),
                  lambda r: r[0]["elements"][0]["steps"][0].pop("result"),
                  lambda r: r[0]["elements"][0]["tags"].append({"name": "@x", "line": 3})):  # pytest-bdd's own tags
        report = copy.deepcopy(serial_run[2])
        spoil(report)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(report, SCHEMA)


def test_a_run_that_selects_nothing_keeps_the_last_report(tmp_path):
    folder = make_project(tmp_path)
    report = folder / "out" / "cucumber.json"
    report.parent.mkdir()
    report.write_text('[{"the": "last report"}]')
    result = run_project(folder, "-q", "-k", "no_scenario_is_called_this")
    assert result.returncode != 0  # nothing ran is not green (steps/verdict.py)
    assert report.read_text() == '[{"the": "last report"}]'
    assert "no scenario ran; " in result.stdout and "left as it was" in result.stdout


def test_a_skip_during_a_step_shows_that_step_skipped_with_the_reason(tmp_path):
    """Without a debug link and nobody at a terminal, the first step's screen read is skipped, not failed."""
    folder = make_project(tmp_path)
    write_rig(folder, RIG, "sim", ["factory_erase", "destructive", "power_cycle"], {})
    result = run_project(folder, "-q", "-k", "wrong_lifecycle", operator="none")
    assert "1 skipped" in result.stdout, result.stdout[-3000:] + result.stderr[-2000:]
    [feature] = read_report(folder)
    [element] = feature["elements"]
    jsonschema.validate([feature], SCHEMA)
    assert statuses(element) == ["skipped"] * 4
    reason = element["steps"][0]["result"]["error_message"]
    assert reason.startswith(f"rig {RIG!r} needs a bench operator at a terminal for: ")
    assert f"skipped: {reason}" in attachment(element)


def test_a_bench_error_is_tagged_and_named_in_the_failed_step():
    element = {"tags": [], "steps": [{"result": {"status": "passed"}},
                                     {"result": {"status": "failed", "error_message": "TimeoutError: no answer"}},
                                     {"result": {"status": "skipped"}}]}
    facts = {"rig": "bench-ble", "target": "ble", "seed": "", "bench_error": "the device stopped answering"}
    add_run_facts(element, facts, None)  # an empty fact (a rig that never loaded, no seed) is left out
    assert element["tags"] == [{"name": "@rig:bench-ble"}, {"name": "@target:ble"}, {"name": "@bench-error"}]
    assert element["steps"][1]["result"]["error_message"] == (
        "bench error (the rig, not the product, failed): the device stopped answering\nTimeoutError: no answer")
    assert "bench error: the device stopped answering" in attachment(element)


def comparable(report: list[dict]) -> list[dict]:
    """A report without what differs run to run: durations and start times."""
    report = copy.deepcopy(report)
    for feature in report:
        for element in feature["elements"]:
            element.pop("start_timestamp", None)
            for step in element["steps"]:
                step["result"].pop("duration", None)
    return report


def test_two_xdist_workers_write_the_report_a_serial_run_writes(serial_run, tmp_path):
    folder = make_project(tmp_path)
    result = run_project(folder, "-v", "-n", "2")
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-2000:]
    assert "created: 2/2 workers" in result.stdout
    report = read_report(folder)
    jsonschema.validate(report, SCHEMA)
    assert comparable(report) == comparable(serial_run[2])


UNFINISHED_FEATURE = """\
Feature: Scenarios that never finish
  Scenario: The worker dies
    Given a device with the PIN "123456" and a 12-word wallet
    When the process that runs this scenario dies
    Then the device screen shows "Wallet ready"

  Scenario: The run is stopped
    Given a device with the PIN "123456" and a 12-word wallet
    When the user stops the run
    Then the device screen shows "Wallet ready"
"""

ENDINGS_STEPS = """
import os

from pytest_bdd import when


@when("the process that runs this scenario dies")
def die():
    os._exit(7)


@when("the user stops the run")
def stop():
    raise KeyboardInterrupt
"""


def unfinished_project(folder: Path) -> Path:
    make_project(folder)
    (folder / "features" / "unfinished.feature").write_text(UNFINISHED_FEATURE)
    (folder / "features" / "test_probe.py").write_text(BIND_FEATURES.replace("probe.feature", "unfinished.feature"))
    with (folder / "conftest.py").open("a") as conftest:
        conftest.write(ENDINGS_STEPS)
    return folder


def test_a_scenario_whose_xdist_worker_dies_is_reported_failed(tmp_path):
    folder = unfinished_project(tmp_path)
    result = run_project(folder, "-q", "-n", "1", "-k", "worker_dies")
    assert result.returncode == 1 and "crashed while running" in result.stdout, result.stdout[-3000:]
    [feature] = read_report(folder)
    [element] = feature["elements"]
    jsonschema.validate([feature], SCHEMA)
    assert statuses(element) == ["failed", "skipped", "skipped"]
    message = element["steps"][0]["result"]["error_message"]
    assert "crashed while running" in message and message.endswith("the results of its steps are lost")


def test_a_scenario_the_run_stopped_in_is_reported_skipped_saying_so(tmp_path):
    folder = unfinished_project(tmp_path)
    result = run_project(folder, "-q", "-k", "run_is_stopped")
    assert result.returncode == 2 and "KeyboardInterrupt" in result.stdout, result.stdout[-3000:]
    [element] = read_report(folder)[0]["elements"]
    assert statuses(element) == ["skipped"] * 3
    assert element["steps"][0]["result"]["error_message"] == "the run stopped before this scenario finished"


def raise_from_the_standard_library():
    json.loads("{")


def test_the_message_of_an_error_raised_inside_the_standard_library_keeps_only_project_frames():
    with pytest.raises(json.JSONDecodeError) as caught:
        raise_from_the_standard_library()
    message = error_message(caught.value, (ROOT,))
    assert message.startswith("JSONDecodeError: Expecting property name enclosed in double quotes")
    assert 'File "tests/report/test_cucumber_report.py", line' in message
    assert "raise_from_the_standard_library" in message and "json/decoder.py" not in message
    assert message.count('  File "') == 2  # this test and the function it called; json's own frames are left out


def test_a_failing_backup_scenario_puts_no_secret_in_the_report(tmp_path):
    """The backup probe of tests/test_no_secrets.py, reported: its secrets appear nowhere in what the run wrote."""
    from test_no_secrets import PROBE_FEATURE as BACKUP_PROBE, everything_written, find_leaks, run_child

    probe = tmp_path / "probe"
    probe.mkdir()
    (probe / "probe.feature").write_text(BACKUP_PROBE)
    (probe / "test_probe.py").write_text(BIND_FEATURES)
    result, secrets = run_child(tmp_path, str(probe), "-p", "keybench.steps.plugin", "--rig", "sim", "-q", "--rootdir",
                                str(probe), "--cucumber-report", str(tmp_path / "cucumber.json"), cwd=probe)
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-2000:]
    [feature] = json.loads((tmp_path / "cucumber.json").read_text())
    [element] = feature["elements"]
    assert statuses(element)[-1] == "failed" and set(statuses(element)[:-1]) == {"passed"}, statuses(element)
    assert element["steps"][-1]["result"]["error_message"].startswith("AssertionError: ")
    assert {"password", "mnemonic", "private key"} <= {secret["kind"] for secret in secrets}  # it held secrets
    assert find_leaks(everything_written(result, tmp_path), secrets) == []
