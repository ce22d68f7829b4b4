"""The guard rail: on a physical rig, wiping scenarios and the per-scenario factory erase run only when the
device's serial number is on the rig file's allowed_serials. The device is the host build of the firmware
behind socket://, reached by the board target with physical = true."""
import re

import pytest

from support import run_pytest
from fakes.hostboard import board_rig
from keybench.protocol import imkey
from keybench.rigs.config import RigError, load_rig
from keybench.rigs.device_user import DeviceUser
from keybench.rigs.hands import DebugLinkHands
from keybench.rigs.link import Link
from keybench.rigs.serial_transport import SerialTransport

SERIAL = "imKey01191200001"  # what the reference firmware answers to 80CA004400


def skip_reasons(stdout: str) -> set[str]:
    return set(re.findall(r"SKIPPED \[\d+\] .*?: (.*)", stdout))


def lifecycle(url: str) -> int:
    transport = SerialTransport(url)
    try:
        return Link(transport).apdu_ok(imkey.LIFECYCLE)[0]
    finally:
        transport.close()


@pytest.mark.parametrize("text, message", [
    ("physical = 'yes'", "physical: Input should be a valid boolean, got 'yes'"),
    ("physical = true\nallowed_serials = 'imKey01191200001'",
     "allowed_serials: Input should be a list, got 'imKey01191200001'"),
    ("physical = true\nallowed_serials = ['']", "allowed_serials.0: should be a device serial number (1-16"),
    ("physical = true\nallowed_serials = [' imKey']", "allowed_serials.0: should be a device serial number"),
    ("allowed_serials = ['imKey01191200001']", "only means something on a rig with physical = true"),
    ("firmware_version = '1.5'", "firmware_version: should be a version like \"1.5.08\", got '1.5'"),
])
def test_device_keys_are_validated(tmp_path, text, message):
    path = tmp_path / "r.toml"
    path.write_text(f"target = 'sim'\n{text}\n")
    with pytest.raises(RigError, match=re.escape(message)):
        load_rig(str(path))


def test_a_physical_device_not_on_the_allow_list_is_never_wiped(tmp_path, host_device):
    # The board holds a PIN (someone's device): nothing in the run may wipe it.
    link_transport = SerialTransport(host_device.url)
    DeviceUser(DebugLinkHands(Link(link_transport))).set_pin("123456")
    link_transport.close()
    assert lifecycle(host_device.url) == imkey.Lifecycle.WALLET_UNREADY

    rig = board_rig(tmp_path, {"port": host_device.url}, physical=True, allowed=("imKey00000000000",))
    result = run_pytest("features/pin", "--rig", str(rig), "-q", "-rs")
    assert result.returncode == 5, result.stdout[-3000:] + result.stderr[-2000:]  # nothing ran, and it says why
    assert re.search(r"keybench: 0 of \d+ scenarios ran on rig '.*': \d+ skipped: device serial", result.stdout)
    assert re.search(r"^\d+ skipped in", result.stdout.splitlines()[-1]), result.stdout[-500:]
    (reason,) = skip_reasons(result.stdout)  # wiping scenarios, and the factory erase of every other one
    assert f"device serial '{SERIAL}' is not in allowed_serials of rig file {rig}" in reason
    assert lifecycle(host_device.url) == imkey.Lifecycle.WALLET_UNREADY  # the PIN is still there


def test_only_the_wiping_scenarios_are_skipped_on_a_rig_without_factory_erase(tmp_path, host_device):
    rig = board_rig(tmp_path, {"port": host_device.url}, physical=True, allowed=("imKey00000000000",),
                    caps=["debug_link", "power_cycle", "power_cut", "destructive"])
    result = run_pytest("features/pin", "--rig", str(rig), "-q", "-rs", "-m", "wipes_device")
    assert result.returncode == 5, result.stdout[-3000:]  # every selected scenario wipes: none ran
    reasons = skip_reasons(result.stdout)
    assert reasons and all(r.startswith(f"device serial '{SERIAL}' is not in allowed_serials of rig file {rig}")
                           for r in reasons)


def test_an_allowed_physical_device_runs_the_whole_pin_suite(tmp_path, host_device):
    rig = board_rig(tmp_path, {"port": host_device.url}, physical=True, allowed=(SERIAL,))
    result = run_pytest("features/pin", "--rig", str(rig), "-q", "-rs")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "skipped" not in result.stdout.splitlines()[-1] and "passed" in result.stdout.splitlines()[-1]

