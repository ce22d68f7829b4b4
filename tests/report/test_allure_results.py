"""The Allure results of a run (allure-pytest-bdd with keybench's additions, steps/allure_report.py), read as files.

The probe project (report_probe.py) has known outcomes; every scenario must have its result, with the rig facts as
labels, each step's transcript, debug log and screen picture attached to that step, and the run's environment and
categories beside them. A bench that dies mid-run is filed apart from product failures.
"""
from __future__ import annotations

import json
import re
import struct
import textwrap
from collections import Counter
from pathlib import Path

from keybench.steps.allure_report import BENCH_ERROR_PREFIX, CATEGORIES
from report_probe import OUTCOMES, RIG, allure_results, report_project, run_with_reports
from support import write_rig


def by_name(results: list[dict]) -> dict[str, list[dict]]:
    named: dict[str, list[dict]] = {}
    for result in results:
        named.setdefault(result["name"], []).append(result)
    return named


def labels(result: dict) -> dict[str, str]:
    return {label["name"]: label["value"] for label in result["labels"] if label["name"] != "tag"}


def attachment_text(folder: Path, attachment: dict) -> str:
    return (folder / "out" / "allure" / attachment["source"]).read_text()


def category(result: dict) -> str | None:
    """The category Allure 3 files a result under: the first whose status and message match."""
    message = (result.get("statusDetails") or {}).get("message") or ""
    return next((c["name"] for c in CATEGORIES if result["status"] in c["matchedStatuses"]
                 and re.search(c["messageRegex"], message)), None)


def test_every_scenario_has_a_result_with_its_outcome_including_the_one_skipped_before_it_started(serial_reports):
    folder, _ = serial_reports
    results = allure_results(folder)
    assert Counter(result["status"] for result in results) == OUTCOMES
    named = by_name(results)
    assert sorted(named) == ["Needs a power switch", "Ready after set-up", "Ready either way", "The wrong lifecycle"]
    [skipped] = named["Needs a power switch"]
    assert [(step["name"], step["status"]) for step in skipped["steps"]] == [
        ('Given a device with the PIN "123456" and a 12-word wallet', "skipped"),
        ("When the device is power cycled", "skipped"),
        ('Then the device screen shows "5 attempts left"', "skipped")]
    assert skipped["steps"][0]["statusDetails"]["message"] == f"rig {RIG!r} lacks capability 'power_cycle'"
    assert skipped["fullName"] == "features/outcomes.feature:Needs a power switch"
    assert {"name": "tag", "value": "needs_power_cycle"} in skipped["labels"]
    [failed] = named["The wrong lifecycle"]
    assert failed["statusDetails"]["message"].startswith("AssertionError: lifecycle is 0x86, expected 'PIN unset'")
    assert [step["status"] for step in failed["steps"]] == ["passed", "failed", "skipped"]


def test_each_scenario_carries_the_rig_target_firmware_serial_and_seed_as_labels(serial_reports):
    folder, _ = serial_reports
    for result in allure_results(folder):
        shown = labels(result)
        assert (shown["rig"], shown["target"]) == (RIG, "sim"), result["name"]
        if result["status"] == "skipped":
            assert not {"firmware", "serial", "seed"} & set(shown)  # it never reached the device
            continue
        assert re.fullmatch(r"\d+\.\d+\.\d\d", shown["firmware"]) and shown["serial"].startswith("imKey")
        assert shown["seed"].isdigit(), shown
    seeds = [labels(result).get("seed") for result in allure_results(folder) if result["status"] != "skipped"]
    assert len(set(seeds)) == len(seeds) == 4  # each scenario its own seed


def test_each_step_has_its_own_transcript_debug_log_and_screen_picture(serial_reports):
    folder, _ = serial_reports
    [failed] = by_name(allure_results(folder))["The wrong lifecycle"]
    given, lifecycle, _ = failed["steps"]
    attached = {attachment["name"]: attachment for attachment in lifecycle["attachments"]}
    assert set(attached) == {"transcript", "screen after step 2"}, attached  # the lifecycle is read by APDU
    transcript = attachment_text(folder, attached["transcript"])
    assert re.fullmatch(r"(> [0-9A-F]+\n< [0-9A-F]+\n)+", transcript), transcript  # that step's APDUs only
    given_attached = {attachment["name"]: attachment for attachment in given["attachments"]}
    assert {"debug log", "screen after step 1"} <= set(given_attached)
    debug = attachment_text(folder, given_attached["debug log"])
    assert "TYPE <redacted> (6 chars)" in debug and "123456" not in debug  # the PIN is never written
    assert "--- step" not in debug  # the step's own part of the log
    png = (folder / "out" / "allure" / given_attached["screen after step 1"]["source"]).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR", png[:16]  # the file the step attached
    assert struct.unpack(">II", png[16:24]) == (512, 256)  # its width and height
    assert given_attached["screen after step 1"]["type"] == "image/png"


def test_a_steps_parameters_are_what_its_text_says_never_its_fixtures(serial_reports):
    """The scenario's context holds the screen it read (the mnemonic's, in a backup): never written as a parameter."""
    folder, _ = serial_reports
    [ready] = by_name(allure_results(folder))["Ready after set-up"]
    assert [step.get("parameters") for step in ready["steps"]] == [
        [{"name": "pin", "value": "'123456'"}, {"name": "count", "value": "12"}],
        [{"name": "text", "value": "'Wallet ready'"}]]


def test_the_run_writes_its_environment_and_the_categories_of_failures(serial_reports):
    folder, _ = serial_reports
    environment = (folder / "out" / "allure" / "environment.properties").read_text()
    [result] = by_name(allure_results(folder))["Ready after set-up"]
    shown = labels(result)
    assert environment.splitlines() == [f"rig={RIG}", "target=sim", f"firmware\\ version={shown['firmware']}",
                                        f"device\\ serial={shown['serial']}", "rig\\ seed=1"]
    assert json.loads((folder / "out" / "allure" / "categories.json").read_text()) == CATEGORIES
    [failed] = by_name(allure_results(folder))["The wrong lifecycle"]
    assert category(failed) == "Product failures"


def test_without_alluredir_attach_file_does_nothing_and_no_results_are_written(tmp_path):
    folder = report_project(tmp_path)
    result = run_with_reports(folder, "-q", allure=False)
    assert result.returncode == 1 and "3 passed" in result.stdout, result.stdout[-3000:] + result.stderr[-2000:]
    assert len(list((folder / "pictures").rglob("*.png"))) == 8  # attach_file was called for each of the 8 steps run
    assert not (folder / "out" / "allure").exists() and (folder / "out" / "junit.xml").is_file()


KILLER = '''
import os
import signal

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item):
    """The simulator server dies as the second scenario starts: the bench, not the product, failed."""
    global seen
    seen = globals().get("seen", 0) + 1
    if seen == 2:
        os.kill(int(os.environ["KB_SERVER_PID"]), signal.SIGKILL)
'''

BENCH_FEATURE = """\
Feature: A bench that dies
  Background:
    Given a device with the PIN "123456" and a 12-word wallet

  Scenario: First, on a live bench
    Then the device screen shows "Wallet ready"

  Scenario: Second, as the server dies
    Then the device screen shows "Wallet ready"
"""


def test_a_bench_error_is_broken_tagged_and_filed_apart_from_product_failures(tmp_path, simulator_process):
    proc, port = simulator_process
    folder = report_project(tmp_path, BENCH_FEATURE)
    (folder / "kb_killer.py").write_text(textwrap.dedent(KILLER))
    rig = write_rig(folder, "doomed", "serial", ["debug_link", "factory_erase", "destructive"],
                    {"url": f"socket://127.0.0.1:{port}"})
    result = run_with_reports(folder, "-q", "-p", "kb_killer", rig=str(rig),
                              env={"KB_SERVER_PID": str(proc.pid), "PYTHONPATH": str(folder)})
    assert result.returncode == 3, result.stdout[-3000:] + result.stderr[-2000:]
    named = by_name(allure_results(folder))
    [first], [second] = named["First, on a live bench"], named["Second, as the server dies"]
    assert first["status"] == "passed"
    assert second["status"] == "broken"
    message = second["statusDetails"]["message"]
    assert message.startswith(f"{BENCH_ERROR_PREFIX}serial target at socket://127.0.0.1:{port}"), message
    assert {"name": "tag", "value": "bench-error"} in second["labels"]
    assert category(second) == "Bench errors (the rig, not the product, failed)"
