"""No secret of the backup scenarios (mnemonics, private keys, passwords) reaches pytest's output, the Gherkin
report or the evidence files, in a passing run and in a failing one.

The child pytest runs load this module as a plugin (`-p tests.test_no_secrets`): after each scenario it appends
the secrets the scenario handled to the file named by $KEYBENCH_SECRETS_OUT, so the parent knows what to look
for without any secret being printed. Nothing here runs unless that variable is set.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

SECRETS_OUT = "KEYBENCH_SECRETS_OUT"
ROOT = Path(__file__).resolve().parent.parent


# The recorder, in the child run
def pytest_bdd_after_scenario(request, feature, scenario):
    out = os.environ.get(SECRETS_OUT)
    if not out:
        return
    from keybench.steps.backup_steps import PASSWORDS

    ctx = request.getfixturevalue("ctx")
    notes = request.getfixturevalue("wallet_notes")
    found = [{"kind": "password", "value": value} for value in PASSWORDS.values() if value]
    if notes.words is not None:
        found.append({"kind": "mnemonic", "value": notes.words.reveal()})
    if ctx.words:
        found.append({"kind": "device mnemonic", "value": " ".join(ctx.words)})
    for password in filter(None, PASSWORDS.values()):  # the wallet's key, also when the scenario moved past it
        try:
            found.append({"kind": "private key", "value": notes.wallet.export_private_key(password).reveal()})
        except Exception:  # noqa: BLE001 - no wallet, not its password, or a wallet that is gone
            pass
    with open(out, "a") as stream:
        for item in found:
            stream.write(json.dumps(dict(item, scenario=scenario.name)) + "\n")


# The checks, in the parent run
def patterns(kind: str, value: str) -> list[re.Pattern]:
    """Every way a secret could show: a mnemonic also as any 3 of its words in a row, whatever separates them (a
    space, a newline, '\\n2 ' in a logged screen), a hex key in either case."""
    if "mnemonic" in kind:
        words = value.split()
        gap = r"(?:[^A-Za-z]|\\n)+"
        return [re.compile(r"\b" + gap.join(map(re.escape, words[i:i + 3])) + r"\b") for i in range(len(words) - 2)]
    return [re.compile(re.escape(value), re.IGNORECASE if re.fullmatch(r"[0-9a-fA-F]+", value) else 0)]


def find_leaks(texts: dict[str, str], secrets: list[dict]) -> list[str]:
    """Where each secret shows, as 'kind of scenario in place' (never the secret itself)."""
    leaks = set()
    for secret in secrets:
        for pattern in patterns(secret["kind"], secret["value"]):
            for place, text in texts.items():
                if pattern.search(text):
                    leaks.add(f"{secret['kind']} of scenario {secret['scenario']!r} in {place}")
    return sorted(leaks)


def run_child(tmp_path: Path, *args: str, cwd: Path = ROOT) -> tuple[subprocess.CompletedProcess, list[dict]]:
    out = tmp_path / "secrets.jsonl"
    env = dict(os.environ, **{SECRETS_OUT: str(out)})
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "tests.test_no_secrets", *args], cwd=cwd,
                            env=env, capture_output=True, text=True, timeout=600)
    secrets = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    return result, secrets


def everything_written(result: subprocess.CompletedProcess, folder: Path) -> dict[str, str]:
    texts = {"stdout": result.stdout, "stderr": result.stderr}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name != "secrets.jsonl":
            texts[str(path.relative_to(folder))] = path.read_text(errors="replace")
    return texts


def test_a_full_backup_run_writes_no_secret_to_output_report_or_evidence(tmp_path):
    result, secrets = run_child(tmp_path, "features/backup", "--rig", "sim", "-v", "--gherkin-terminal-reporter",
                                f"--cucumber-report={tmp_path / 'cucumber.json'}",
                                "--evidence", str(tmp_path / "evidence"))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    kinds = {secret["kind"] for secret in secrets}
    assert {"password", "mnemonic", "private key", "device mnemonic"} <= kinds, f"recorded only {kinds}"
    texts = everything_written(result, tmp_path)
    evidence = [place for place in texts if place.startswith("evidence")]
    assert len(evidence) >= 3 * 3, f"only {len(evidence)} evidence files were written"  # 3 files, 3 scenarios
    assert "cucumber.json" in texts and "PASSED" in result.stdout
    assert find_leaks(texts, secrets) == []


PROBE_FEATURE = """\
Feature: A failing report
  Scenario: An address checked against the wrong expectation fails
    Given the app has a software wallet whose mnemonic the user has backed up
    And a device with the PIN "123456"
    When the user restores the device from the software wallet's written-down mnemonic
    And the app is paired with the device
    And the app reads the ETH address at "m/44'/60'/0'/0/0"
    Then the software wallet's BTC address is the one the app read from the device
"""


def test_a_failing_scenario_reports_no_secret_even_with_locals_shown(tmp_path):
    probe = tmp_path / "probe"
    probe.mkdir()
    (probe / "probe.feature").write_text(PROBE_FEATURE)
    (probe / "test_probe.py").write_text('from pytest_bdd import scenarios\n\nscenarios("probe.feature")\n')
    result, secrets = run_child(tmp_path, str(probe), "-p", "keybench.steps.plugin", "--rig", "sim", "-vv", "-l",
                                "--tb=long", "--gherkin-terminal-reporter", "--rootdir", str(probe),
                                "--evidence", str(tmp_path / "evidence"), cwd=probe)
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-2000:]
    assert "the app has not read the BTC address at m/84'/0'/0'/0/0" in result.stdout
    assert {"password", "mnemonic", "private key", "device mnemonic"} <= {secret["kind"] for secret in secrets}
    assert find_leaks(everything_written(result, tmp_path), secrets) == []


def test_the_leak_finder_finds_planted_secrets():
    secrets = [{"kind": "mnemonic", "value": "legal winner thank year wave sausage", "scenario": "s"},
               {"kind": "private key", "value": "7a28b5ba57c536", "scenario": "s"},
               {"kind": "password", "value": "hunter2-long", "scenario": "s"}]
    texts = {"clean": "nothing here: legal winners thank you; thanks, yearly wave", "words": "... thank year wave ...",
             "screen": r"'Write down your words\n1 legal\n2 winner\n3 thank'", "key": "KEY=7A28B5BA57C536",
             "password": "typed hunter2-long", "other case": "HUNTER2-LONG"}
    assert find_leaks(texts, secrets) == ["mnemonic of scenario 's' in screen", "mnemonic of scenario 's' in words",
                                          "password of scenario 's' in password",
                                          "private key of scenario 's' in key"]


def test_show_secrets_is_the_one_documented_way_to_log_the_device_words(tmp_path):
    result, secrets = run_child(tmp_path, "features/backup", "-k", "never_hands", "--rig", "sim", "-q",
                                "--show-secrets", "--evidence", str(tmp_path / "evidence"))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    leaks = find_leaks(everything_written(result, tmp_path), secrets)
    assert leaks and all(leak.startswith("device mnemonic") and leak.endswith("debug.log") for leak in leaks), leaks
