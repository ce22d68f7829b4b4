"""`make -C firmware` builds both board images from one tree and `make -C firmware host` the host program;
the images keep the vector table at the start of flash and leave the storage sectors (flash sectors 1 and 2,
0x08004000-0x0800BFFF) free of code and data."""
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "firmware" / "tools"))

from hostdev import FIRMWARE, build_host, make  # noqa: E402

STORAGE = range(0x08004000, 0x0800C000)
FLASH_END = 0x08100000
RAM = range(0x20000000, 0x20020000)

needs_arm = pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None,
                               reason="arm-none-eabi-gcc is not installed (apt-get install gcc-arm-none-eabi)")


@pytest.fixture(scope="module")
def images():
    make("all")
    return {board: FIRMWARE / "build" / board / "keybench.elf" for board in ("qemu", "stm32f4")}


def segments(elf: Path) -> list[tuple[int, int, int]]:
    """(load address, file size, memory size) of each LOAD segment."""
    out = subprocess.run(["arm-none-eabi-readelf", "-lW", str(elf)], capture_output=True, text=True,
                         check=True).stdout
    rows = re.findall(r"LOAD\s+0x[0-9a-f]+\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)", out)
    return [(int(phys, 16), int(fsz, 16), int(msz, 16)) for _virt, phys, fsz, msz in rows]


@needs_arm
@pytest.mark.parametrize("board", ["qemu", "stm32f4"])
def test_image_layout(images, board):
    elf = images[board]
    assert elf.exists()
    segs = segments(elf)
    assert segs[0][0] == 0x08000000  # the vector table where the core fetches SP and PC at reset
    for phys, filesz, _ in segs:
        if filesz:
            assert phys < FLASH_END and phys + filesz <= FLASH_END
            assert phys + filesz <= STORAGE.start or phys >= STORAGE.stop, f"{board}: {phys:#x}+{filesz:#x}"
    size = subprocess.run(["arm-none-eabi-size", "-A", str(elf)], capture_output=True, text=True, check=True).stdout
    bss = int(re.search(r"^\.bss\s+(\d+)", size, re.M).group(1))
    assert bss + 24 * 1024 <= len(RAM), "not enough RAM left for the stack"


@needs_arm
def test_vector_table_points_into_flash_and_ram(images):
    raw = images["stm32f4"].read_bytes()
    out = subprocess.run(["arm-none-eabi-objcopy", "-O", "binary", "-j", ".isr_vector", str(images["stm32f4"]),
                          "/dev/stdout"], capture_output=True, check=True).stdout
    sp, reset = int.from_bytes(out[0:4], "little"), int.from_bytes(out[4:8], "little")
    assert sp == RAM.stop
    assert reset & 1 and 0x0800C000 <= reset < FLASH_END  # a Thumb address in the code region
    assert raw


def test_host_program_builds():
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    binary = build_host()
    r = subprocess.run([str(binary), "--help"], capture_output=True, text=True)
    assert r.returncode == 2 and "--tcp HOST:PORT --storage PATH" in r.stderr and "--idle-timeout" in r.stderr


@needs_arm
@pytest.mark.skipif(shutil.which("qemu-system-arm") is None, reason="qemu-system-arm is not installed")
def test_stm32f4_image_boots_and_serves_under_qemu(images):
    """The DISCOVERY image runs on QEMU's STM32F405 too (its flash writes go nowhere there: QEMU's flash is
    read-only to the guest, so this checks boot, UART and dispatch, not persistence)."""
    from fwdevices import QemuFw
    from keybench.protocol import imkey
    from keybench.protocol.debuglink import Op
    dev = QemuFw(elf=str(images["stm32f4"]), build="never")
    try:
        assert dev.link.debug_ok(Op.SCREEN) == b"Set PIN\nEnter 6 to 8 digits"
        assert dev.link.apdu_ok(imkey.SERIAL_NUMBER) == b"imKey01191200001"
        assert dev.link.apdu(bytes.fromhex("80CA004401AA")).sw == 0x6700
        # The image keys its random stream from the chip's RNG; QEMU's STM32F405 has none (reads as zeros,
        # never ready), so the device refuses to create a wallet rather than draw one every device would repeat.
        for _ in range(2):
            dev.link.debug_ok(Op.TYPE, b"123456")
            dev.link.debug_ok(Op.PRESS, b"\x01")
        dev.link.debug_ok(Op.CHOOSE, b"Create wallet")
        dev.link.debug_ok(Op.TYPE, b"12")
        assert dev.link.debug(Op.PRESS, b"\x01") == (0x6985, b"")
        assert dev.link.debug_ok(Op.SCREEN) == (b"Create wallet\nRandom generator failed\n"
                                                b"Number of words: 12 15 18 21 24")
        dev.link.debug_ok(Op.SEED_RNG, bytes(8))  # a bench's own seed is its choice
        dev.link.debug_ok(Op.TYPE, b"12")
        dev.link.debug_ok(Op.PRESS, b"\x01")
        assert dev.link.debug_ok(Op.SCREEN).startswith(b"Write down your words\n1 ")
    finally:
        dev.close()


def test_the_renode_platform_has_the_rng_the_stm32f4_image_reads():
    """Renode 1.15 names its model Miscellaneous.STM32F4_RNG (its own platforms/cpus/stm32f4.repl)."""
    regs = (FIRMWARE / "boards" / "cortexm" / "regs.h").read_text()
    repl = (FIRMWARE.parent / "rigs" / "renode" / "stm32f4_discovery.repl").read_text()
    base = re.search(r"^#define RNG_BASE (0x[0-9A-Fa-f]+)u$", regs, re.M)
    model = re.search(r"^rng: Miscellaneous\.STM32F4_RNG @ sysbus (0x[0-9A-Fa-f]+)$", repl, re.M)
    assert base and model
    assert int(base[1], 16) == int(model[1], 16) == 0x50060800
