"""Rig files, the target registry and capability skips."""
import re

import pytest

from support import ROOT, run_pytest, write_rig
from keybench.rigs.config import BadRigFile, RigError, load_rig
from keybench.rigs.registry import known_targets, target_class


@pytest.mark.parametrize("rig_file", sorted((ROOT / "rigs").glob("*.toml")), ids=lambda p: p.stem)
def test_every_shipped_rig_file_loads_and_names_a_known_target(rig_file):
    rig = load_rig(str(rig_file))
    assert target_class(rig.target).kind == rig.target
    target_class(rig.target)(rig)  # its settings fit the target's Settings dataclass


@pytest.mark.parametrize("text, message", [
    ("target = 'sim'\ncolour = 'red'", "colour: unknown key; known: target, name, capabilities"),
    ("name = 'x'", "target: required, but missing"),
    ("target = 'sim'\ncapabilities = ['teleport']", "capabilities.0: Input should be 'debug_link', 'power_cut', "
                                                    "'power_cycle', 'factory_erase' or 'destructive', got 'teleport'"),
    ("target = [", "not valid TOML"),
    ("target = 'sim'\nseed = 'one'", "seed: Input should be a valid integer, got 'one'"),
    ("target = 'sim'\ncapabilities = 'debug_link'", "capabilities: Input should be a list, got 'debug_link'"),
    ("target = 'sim'\nphysical = 'yes'", "physical: Input should be a valid boolean, got 'yes'"),
    ("target = 'sim'\nallowed_serials = ['imKey01']", "'allowed_serials' only means something on a rig with physical"),
])
def test_bad_rig_files_say_what_is_wrong(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(RigError, match=re.escape(message)):
        load_rig(str(path))


def test_unknown_rig_names_the_known_ones():
    with pytest.raises(RigError, match="sim-tcp"):
        load_rig("no-such-rig")


def test_unknown_target_and_settings(tmp_path):
    with pytest.raises(RigError, match="no target named 'warp'"):
        target_class("warp")
    assert {"sim", "serial"} <= set(known_targets())
    rig = load_rig(str(write_rig(tmp_path, "r", "serial", [], {"uri": "x", "url": "socket://127.0.0.1:1"})))
    with pytest.raises(BadRigFile, match=r"settings.uri: unknown key; known: url, baudrate, open_timeout"):
        target_class("serial")(rig)


@pytest.mark.parametrize("target, settings, message", [
    ("qemu", {"ready_timeout": "fast"}, "settings.ready_timeout: Input should be a valid number, got 'fast'"),
    ("serial", {"url": 48123}, "settings.url: Input should be a valid string, got 48123"),
    ("serial", {}, "settings.url: required, but missing"),  # never a silent default address
    ("board", {"port": "/dev/serial/by-id/x", "power_command": "uhubctl"},
     "settings.power_command: Input should be a list, got 'uhubctl'"),
])
def test_settings_are_checked_by_type_naming_file_key_and_value(tmp_path, target, settings, message):
    path = write_rig(tmp_path, "typo", target, [], settings)
    with pytest.raises(BadRigFile) as raised:
        target_class(target)(load_rig(str(path)))
    assert str(raised.value) == f"{path}: {message}"


def test_scenarios_needing_a_missing_capability_are_skipped_with_a_reason(tmp_path):
    rig = write_rig(tmp_path, "no-power-cut", "sim", ["debug_link", "power_cycle", "factory_erase", "destructive"], {})
    result = run_pytest("features/pin", "--rig", str(rig), "-q", "-rs")
    assert result.returncode == 0, result.stdout[-2000:]
    reasons = re.findall(r"SKIPPED \[\d+\] .*?: (.*)", result.stdout)
    assert reasons and set(reasons) == {"rig 'no-power-cut' lacks capability 'power_cut'"}
    assert re.search(r"\d+ passed, 7 skipped", result.stdout)  # the 7 @needs_power_cut scenarios


def test_scenarios_that_wipe_the_device_need_the_destructive_capability(tmp_path):
    rig = write_rig(tmp_path, "keep-it", "sim", ["debug_link", "power_cycle", "power_cut", "factory_erase"], {})
    result = run_pytest("features/pin", "--rig", str(rig), "-q", "-rs")
    assert "rig 'keep-it' lacks capability 'destructive' (the scenario wipes the device)" in result.stdout
    assert result.returncode == 0, result.stdout[-2000:]


def test_an_unreachable_rig_stops_the_run_as_a_bench_failure(tmp_path):
    rig = write_rig(tmp_path, "nobody-home", "serial", ["debug_link"],
                    {"url": "socket://127.0.0.1:9", "open_timeout": 0.5})
    result = run_pytest("features/pairing", "--rig", str(rig), "-q")
    assert result.returncode == 3
    assert "rig 'nobody-home' is not usable (the bench, not a test, failed)" in result.stdout + result.stderr
