"""A board build with no back door (issue 12): `make BOARD=qemu DEBUGLINK=0` compiles the debug link out. The image
boots under QEMU, serves the host link and the session sync, rejects every debug-link frame as unknown_channel,
and the doctor calls the rig operator-only (or a broken bench, when the rig file claims a debug link)."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "firmware" / "tools"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fwdevices import missing_tools  # noqa: E402
from keybench.protocol import imkey  # noqa: E402
from keybench.protocol.debuglink import Op  # noqa: E402
from keybench.protocol.framing import ErrorCode  # noqa: E402
from keybench.protocol.status import SW  # noqa: E402
from keybench.rigs.config import RigConfig  # noqa: E402
from keybench.rigs.firmware_image import REPO, ensure_image  # noqa: E402
from keybench.rigs.link import DeviceFrameError, Link  # noqa: E402
from support import write_rig  # noqa: E402

pytestmark = pytest.mark.skipif(missing_tools("qemu") is not None, reason=f"{missing_tools('qemu')}")

NODEBUG_ELF = "firmware/build/qemu-nodebug/keybench.elf"


@pytest.fixture(scope="module")
def nodebug_elf() -> Path:
    return ensure_image(REPO / NODEBUG_ELF, "qemu", build="always")  # make -C firmware qemu DEBUGLINK=0


def symbols(elf: Path) -> set[str]:
    nm = shutil.which("arm-none-eabi-nm")
    if nm is None:
        pytest.skip("arm-none-eabi-nm is not installed (binutils-arm-none-eabi)")
    out = subprocess.run([nm, str(elf)], capture_output=True, text=True, check=True).stdout
    return {line.split()[-1] for line in out.splitlines() if line.strip()}


def test_the_debug_link_code_is_not_in_the_image(nodebug_elf):
    with_debug = ensure_image(REPO / "firmware/build/qemu/keybench.elf", "qemu", build="always")
    assert {"kb_debug_handle", "kb_ui_press", "kb_flash_arm_cut"} <= symbols(with_debug)
    assert not {"kb_debug_handle", "kb_ui_press", "kb_ui_type", "kb_flash_arm_cut"} & symbols(nodebug_elf)


def test_it_boots_under_qemu_and_rejects_every_debug_op(nodebug_elf):
    from keybench.rigs.targets.qemu import QemuTarget
    target = QemuTarget(RigConfig(name="nodebug", target="qemu", capabilities=frozenset({"power_cycle"}),
                                  settings={"elf": NODEBUG_ELF, "build": "never"}))
    link = Link(target.start())
    try:
        link.open_session()  # the SYNC channel is link layer, there in every build
        assert link.apdu(imkey.LIFECYCLE).sw == SW.OK
        for op in [*Op, 0x00, 0x0C, 0xFF]:
            for arg in (b"", b"\x01", b"\x00\x01", bytes(8)):
                with pytest.raises(DeviceFrameError) as refused:
                    link.request(0x02, bytes([op]) + arg)
                assert refused.value.code == ErrorCode.UNKNOWN_CHANNEL, (op, arg)
        target.power_cycle(link)  # QMP reset; readiness is judged by the error frame the SCREEN probe gets
        assert link.apdu(imkey.LIFECYCLE).sw == SW.OK
    finally:
        link.close()
        target.stop()


def doctor(rig_path: Path) -> tuple[int, str]:
    from keybench.rigs.doctor import diagnose
    said: list[str] = []
    verdict = diagnose(str(rig_path), say=said.append)
    return verdict, "\n".join(said)


def test_the_doctor_calls_it_operator_only(nodebug_elf, tmp_path):
    rig = write_rig(tmp_path, "nodebug-operator", "qemu", ["power_cycle"], {"elf": NODEBUG_ELF, "build": "never"},
                    seed=None)
    verdict, said = doctor(rig)
    assert verdict == 0, said
    assert "debug link: none (compiled out, DEBUGLINK=0 firmware): OPERATOR-ONLY" in said


def test_a_rig_file_that_claims_a_debug_link_is_a_broken_bench(nodebug_elf, tmp_path):
    rig = write_rig(tmp_path, "nodebug-claims", "qemu", ["debug_link", "power_cycle"],
                    {"elf": NODEBUG_ELF, "build": "never"})
    verdict, said = doctor(rig)
    assert verdict == 3, said
    assert "BENCH BROKEN" in said
    assert "claims capability 'debug_link', but the device has none" in said
    assert "DEBUGLINK=0" in said


def test_every_target_builds_a_nodebug_image_with_debuglink_0():
    from keybench.rigs.firmware_image import make_command
    assert make_command(REPO / "firmware/build/stm32f4-nodebug/keybench.elf", "stm32f4")[3:] == [
        "stm32f4", "DEBUGLINK=0"]
    assert make_command(REPO / "firmware/build/stm32f4/keybench.elf", "stm32f4")[3:] == ["stm32f4"]


@pytest.mark.parametrize("args, message", [
    (["DEBUGLINK=2"], "DEBUGLINK must be 1 (bench build, the default) or 0 (no debug link), not '2'"),
    (["BOARD=stm32f7"], "BOARD must be qemu, stm32f4 or host, not 'stm32f7'"),
])
def test_the_makefile_names_a_bad_setting(args, message):
    r = subprocess.run(["make", "-n", "-C", str(REPO / "firmware"), *args], capture_output=True, text=True)
    assert r.returncode != 0 and message in r.stderr
