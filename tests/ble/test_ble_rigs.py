"""Rig files of the BLE target, its settings checks, and the round-trip timing entry point."""
from __future__ import annotations

import pytest

from ble_kit import ROOT
from keybench.rigs.ble.roundtrip import measure, percentile
from keybench.rigs.config import RIGS_DIR, BadRigFile, RigConfig, RigError, load_rig, settings_from
from keybench.rigs.registry import target_class
from keybench.rigs.targets.ble import BleSettings, BleTarget
from keybench.simulator.ble_gatt import SERVICE_CANDIDATES

TEMPLATE = ROOT / "docs" / "rig-templates" / "bench-ble.toml"


def test_sim_ble_rig_file():
    rig = load_rig("sim-ble")
    assert rig.target == "ble" and target_class("ble") is BleTarget
    assert rig.capabilities == {"debug_link", "power_cut", "power_cycle", "factory_erase", "destructive"}
    assert rig.seed == 1
    settings = settings_from(BleSettings, rig)
    assert settings.simulator == "in-process" and settings.payload == "keybench-frames"
    assert settings.service_uuid in SERVICE_CANDIDATES


def test_bench_template_loads_and_describes_a_real_device():
    assert not (RIGS_DIR / TEMPLATE.name).exists(), "the template must stay out of rigs/"
    rig = load_rig(str(TEMPLATE))
    settings = settings_from(BleSettings, rig)
    assert rig.target == "ble" and not rig.has("debug_link") and rig.has("power_cycle")
    assert settings.simulator == "" and settings.payload == "apdu"
    assert settings.service_uuid in SERVICE_CANDIDATES
    assert settings.fragment_size == 20 and settings.timeout == 20.0 and settings.confirm_timeout > 20.0
    BleTarget(rig)._check()  # a valid configuration as it stands


def test_every_candidate_service_uuid_is_documented():
    text = TEMPLATE.read_text() + (ROOT / "docs" / "ble.md").read_text()
    for uuid in SERVICE_CANDIDATES:
        assert uuid in text


def rig(settings: dict, capabilities=("power_cycle",)) -> RigConfig:
    return RigConfig(name="t", target="ble", capabilities=frozenset(capabilities), settings=settings)


@pytest.mark.parametrize("settings,capabilities,error", [
    ({"name": "x"}, (), "set service_uuid"),
    ({"name": "x", "service_uuid": "fffd", "payload": "hid"}, (), "payload 'hid'"),
    ({"name": "x", "service_uuid": "fffd", "payload": "apdu"}, ("debug_link",), "has no debug link"),
    ({"service_uuid": "fffd"}, (), "set name or address"),
    ({"name": "x", "service_uuid": "fffd", "write_mode": "fast"}, (), "write_mode 'fast'"),
    ({"name": "x", "service_uuid": "fffd", "fragment_size": 3}, (), "fragment_size 3"),
    ({"name": "x", "service_uuid": "fffd", "hci": "usb:0", "simulator": "in-process"}, (), "hci 'usb:0' is for a real"),
    ({"name": "x", "service_uuid": "fffd", "simulator": "udp://127.0.0.1:1"}, (), "simulator 'udp://127.0.0.1:1'"),
    ({"name": "x", "service_uuid": "fffd", "simulator": "tcp://127.0.0.1"}, (), "simulator 'tcp://127.0.0.1', want"),
])
def test_settings_checks(settings, capabilities, error):
    with pytest.raises(RigError, match=error):
        BleTarget(rig(settings, capabilities))._check()


def test_unknown_setting_is_named():
    with pytest.raises(BadRigFile, match=r"settings\.mtu: unknown key; known: .*\bsim_mtu\b"):
        BleTarget(rig({"mtu": 185}))


def test_unreachable_device_is_a_rig_error():
    target = BleTarget(rig({"simulator": "tcp://127.0.0.1:9", "name": "imKeyPro", "service_uuid": "fffd",
                            "scan_timeout": 0.3}))
    with pytest.raises(RigError, match="cannot open the HCI transport 'tcp-client:127.0.0.1:9'.*Connect call failed"):
        target.start()


def test_a_real_device_through_a_bumble_controller_that_is_not_there_is_a_rig_error():
    target = BleTarget(rig({"hci": "usb:99", "name": "imKeyPro", "service_uuid": "fffd", "scan_timeout": 0.3}))
    assert "through bumble on usb:99" in target.describe()
    with pytest.raises(RigError, match="cannot open the HCI transport 'usb:99'"):
        target.start()


def test_round_trip_measurement():
    result = measure("sim-ble", count=50)
    assert result["rig"] == "sim-ble" and result["count"] == 50
    assert 0 < result["min_ms"] <= result["median_ms"] <= result["p99_ms"] <= result["max_ms"]


def test_percentile_is_nearest_rank():
    values = [float(i) for i in range(1, 101)]
    assert percentile(values, 99) == 99.0 and percentile(values, 50) == 50.0 and percentile(values, 100) == 100.0
    assert percentile([1.0], 99) == 1.0
