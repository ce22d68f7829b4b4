"""rigs/targets/qemu.py: start, QMP resets with storage kept, side-by-side instances, clear errors, stop."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "firmware" / "tools"))

from fwdevices import QemuFw, missing_tools  # noqa: E402
from keybench.protocol import imkey  # noqa: E402
from keybench.protocol.debuglink import Op  # noqa: E402
from keybench.rigs.config import RigConfig, RigError, RigUnavailable, load_rig  # noqa: E402
from keybench.rigs.registry import target_class  # noqa: E402

pytestmark = pytest.mark.skipif(missing_tools("qemu") is not None, reason=f"{missing_tools('qemu')}")


def target(**settings):
    from keybench.rigs.targets.qemu import QemuTarget
    return QemuTarget(RigConfig(name="t", target="qemu", capabilities=frozenset(), settings=settings))


def test_rig_file_names_the_qemu_target():
    rig = load_rig("qemu-stm32f4")
    assert target_class(rig.target).__name__ == "QemuTarget"
    assert {"debug_link", "power_cut", "power_cycle", "factory_erase"} <= rig.capabilities
    assert rig.seed == 1


def test_storage_survives_a_qmp_reset_and_ram_does_not():
    dev = QemuFw()
    try:
        link = dev.link
        for _ in range(2):
            link.debug_ok(Op.TYPE, b"24681357")
            link.debug_ok(Op.PRESS, b"\x01")
        link.apdu_ok(imkey.set_ble_name("qmp1"))
        link.apdu_ok(imkey.select(imkey.Aid.IMK))
        stored = dev.storage.read_bytes()
        dev.power_cycle()  # QMP system_reset
        assert dev.target.boot_seconds is not None and dev.target.boot_seconds < 5
        assert link.debug_ok(Op.SCREEN) == b"Enter PIN\n5 attempts left"
        assert link.apdu_ok(imkey.GET_BLE_NAME) == b"qmp1"
        assert link.apdu(imkey.DISPLAY_BIND_CODE).sw == 0x6D00  # the selection was RAM
        assert dev.storage.read_bytes() == stored  # booting from a clean log writes nothing
        assert link.debug_ok(Op.STORAGE_WRITES) == bytes(4)
    finally:
        dev.close()


def test_two_instances_run_side_by_side_with_their_own_storage():
    a, b = QemuFw(), QemuFw()
    try:
        assert a.target.workdir != b.target.workdir
        assert a.target.serial_port != b.target.serial_port
        a.link.apdu_ok(imkey.set_ble_name("alpha"))
        assert b.link.apdu_ok(imkey.GET_BLE_NAME) == b"imKeyPro"
        b.power_cycle()
        assert a.link.apdu_ok(imkey.GET_BLE_NAME) == b"alpha"
    finally:
        a.close()
        b.close()


def test_stop_is_safe_twice_and_removes_the_workdir():
    t = target(build="never")
    t.start()
    workdir, proc = t.workdir, t.proc
    assert (workdir / "keybench-storage.bin").exists()
    t.stop()
    t.stop()
    assert proc.poll() is not None
    assert not workdir.exists()


def test_stop_after_a_failed_start_is_safe():
    t = target(elf="/nonexistent/keybench.elf", build="never")
    with pytest.raises(RigError, match="make -C firmware qemu"):
        t.start()
    t.stop()
    t.stop()


def test_missing_qemu_says_how_to_install_it():
    t = target(qemu="qemu-system-arm-not-here")
    with pytest.raises(RigUnavailable, match="apt-get install qemu-system-arm"):
        t.start()
    t.stop()


def test_unknown_build_mode_is_a_rig_error():
    with pytest.raises(RigError, match="settings.build"):
        target(build="sometimes")


def test_a_device_that_never_answers_is_a_clear_error(tmp_path):
    """A firmware that boots but never speaks: start() gives up after ready_timeout, says so, cleans up."""
    if shutil.which("arm-none-eabi-gcc") is None:
        pytest.skip("arm-none-eabi-gcc is not installed")
    src = tmp_path / "mute.c"
    src.write_text("void reset(void) { for (;;) { } }\n"
                   "__attribute__((section(\".vectors\"))) const void *const v[2] = "
                   "{ (void *)0x20010000, (void *)reset };\n")
    elf = tmp_path / "mute.elf"
    subprocess.run(["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-nostdlib", "-Wl,-Ttext=0x08000100",
                    "-Wl,--section-start=.vectors=0x08000000", "-Wl,-ereset", "-o", str(elf), str(src)], check=True)
    t = target(elf=str(elf), build="never", ready_timeout=1.5)
    with pytest.raises(RigError, match="did not answer a debug SCREEN request within"):
        t.start()
    assert t.proc is None and t.workdir is None
