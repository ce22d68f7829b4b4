"""Storage on the firmware (docs/protocol.md section 4): the PIN counter under power cuts, persistence across
resets, the on-flash format byte for byte, compaction. On the host build and on QEMU."""
import struct
import sys
import zlib
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "firmware" / "tools"))

from fwdevices import BACKENDS, open_device  # noqa: E402
from keybench.protocol import imkey  # noqa: E402
from keybench.protocol.debuglink import Op  # noqa: E402
from keybench.protocol.status import SW  # noqa: E402
from keybench.rigs.link import PoweredOff  # noqa: E402
from keybench.simulator.device import Device, pin_hash  # noqa: E402
from keybench.simulator.flash import Flash  # noqa: E402
from keybench.simulator.server import StreamEndpoint  # noqa: E402

PIN = "123456"
WRONG = "999999"
MNEMONIC = "legal winner thank year wave sausage worth useful legal winner thank yellow"
SECTOR = 16 * 1024


@pytest.fixture(params=BACKENDS)
def dev(request):
    d = open_device(request.param)
    yield d
    d.close()


def press(link, button=1):
    return link.debug(Op.PRESS, bytes([button]))[0]


def set_pin(link, pin=PIN):
    link.debug_ok(Op.FACTORY_ERASE)
    for _ in range(2):
        link.debug_ok(Op.TYPE, pin.encode())
        assert press(link) == SW.OK
    assert link.debug_ok(Op.SCREEN).startswith(b"Home")


def attempts_left(screen: bytes) -> int | None:
    last = screen.decode().splitlines()[-1]
    return int(last.split()[0]) if last.endswith(("attempts left", "attempt left")) else None


def test_power_cut_at_every_write_of_a_pin_attempt_never_grants_a_sixth_compare(dev):
    """For every count of wrong PINs so far, cut the power at write 1, 2, 3, ... of the next wrong attempt
    until an attempt goes through uncut. Whatever is cut, the counter never goes back, no more than five
    comparisons are ever answered, and the fifth wipes the device."""
    link = dev.link
    set_pin(link)
    dev.power_cycle()
    answered: list[int] = []
    left = attempts_left(link.debug_ok(Op.SCREEN))
    assert left == 5
    wiped = False
    for _ in range(60):
        for write in range(1, 8):
            link.debug_ok(Op.ARM_POWER_CUT, write.to_bytes(2, "big"))
            link.debug_ok(Op.TYPE, WRONG.encode())
            try:
                answered.append(press(link))
                dev.power_cycle()  # disarm the cut that did not fire
                cut = False
            except PoweredOff:
                dev.power_on()
                cut = True
            screen = link.debug_ok(Op.SCREEN)
            if screen.startswith(b"Set PIN"):
                wiped = True
                break
            now = attempts_left(screen)
            assert now is not None and now in (left, left - 1), (screen, left)
            left = now
            if not cut:
                break
        if wiped:
            break
    assert wiped, "five counted wrong PINs must wipe the device"
    assert len(answered) <= 5, answered
    assert all(sw & 0xFFF0 == 0x63C0 for sw in answered), answered
    assert all(a > b for a, b in zip(answered, answered[1:], strict=False)), answered  # the count never went back
    # The PIN is gone with everything else: no sixth comparison is possible.
    assert link.apdu_ok(imkey.LIFECYCLE) == b"\x81"
    link.debug_ok(Op.TYPE, PIN.encode())
    assert press(link) == SW.OK
    assert link.debug_ok(Op.SCREEN) == b"Confirm PIN\nEnter the PIN again"


def test_a_cut_count_write_costs_nothing_and_a_cut_after_it_costs_one(dev):
    link = dev.link
    set_pin(link)
    dev.power_cycle()
    link.debug_ok(Op.ARM_POWER_CUT, b"\x00\x01")  # the count write itself is cut: a torn record
    link.debug_ok(Op.TYPE, PIN.encode())
    with pytest.raises(PoweredOff):
        press(link)
    dev.power_on()
    assert attempts_left(link.debug_ok(Op.SCREEN)) == 5
    link.debug_ok(Op.TYPE, WRONG.encode())
    assert press(link) == 0x63C4  # the torn record is compacted away first, then counted
    link.debug_ok(Op.ARM_POWER_CUT, b"\x00\x02")  # right PIN: count + 1 is stored, the reset to 0 is cut
    link.debug_ok(Op.TYPE, PIN.encode())
    with pytest.raises(PoweredOff):
        press(link)
    dev.power_on()
    assert attempts_left(link.debug_ok(Op.SCREEN)) == 3
    link.debug_ok(Op.TYPE, PIN.encode())
    assert press(link) == SW.OK
    assert link.debug_ok(Op.SCREEN).startswith(b"Home")


def restore(link, words=MNEMONIC):
    link.debug_ok(Op.CHOOSE, b"Restore wallet")
    link.debug_ok(Op.TYPE, str(len(words.split())).encode())
    assert press(link) == SW.OK
    for word in words.split():
        link.debug_ok(Op.TYPE, word.encode())
        assert press(link) == SW.OK
    assert link.debug_ok(Op.SCREEN) == b"Home\nWallet ready\nSettings"


def test_everything_stored_survives_a_power_cycle(dev):
    link = dev.link
    set_pin(link)
    restore(link)
    link.apdu_ok(imkey.set_ble_name("bench42"))
    link.apdu_ok(imkey.select(imkey.Aid.BTC))
    before = link.apdu_ok(imkey.get_pubkey(imkey.Aid.BTC, "m/84'/0'/0'/0/0"))
    link.apdu_ok(imkey.select(imkey.Aid.IMK))
    link.apdu_ok(imkey.DISPLAY_BIND_CODE)
    code = link.debug_ok(Op.SCREEN).decode().splitlines()[1]
    dev.power_cycle()
    # RAM is gone: locked, nothing selected; storage is not.
    assert link.debug_ok(Op.SCREEN) == b"Enter PIN\n5 attempts left"
    assert link.apdu_ok(imkey.LIFECYCLE) == b"\x86"
    assert link.apdu_ok(imkey.GET_BLE_NAME) == b"bench42"
    assert link.apdu(imkey.get_pubkey(imkey.Aid.BTC, "m/84'/0'/0'/0/0")).sw == SW.INS_NOT_SUPPORTED
    link.apdu_ok(imkey.select(imkey.Aid.BTC))
    assert link.apdu(imkey.get_pubkey(imkey.Aid.BTC, "m/84'/0'/0'/0/0")).sw == SW.PIN_NOT_VERIFIED
    link.debug_ok(Op.TYPE, PIN.encode())
    assert press(link) == SW.OK
    assert link.apdu_ok(imkey.get_pubkey(imkey.Aid.BTC, "m/84'/0'/0'/0/0")) == before
    link.apdu_ok(imkey.select(imkey.Aid.IMK))
    link.apdu_ok(imkey.DISPLAY_BIND_CODE)
    assert link.debug_ok(Op.SCREEN).decode().splitlines()[1] == code


def _crc(b: bytes) -> bytes:
    return zlib.crc32(b).to_bytes(4, "big")


def test_the_storage_area_is_laid_out_as_documented(dev):
    link = dev.link
    set_pin(link)
    raw = dev.storage.read_bytes()
    assert len(raw) == 2 * SECTOR
    # FACTORY_ERASE then boot: format = erase A, header generation 1, wipes 0; then one PIN record.
    header = b"KBS1" + struct.pack(">II", 1, 0)
    assert raw[:16] == header + _crc(header)
    import hashlib
    value = hashlib.sha256(b"keybench-pin:" + PIN.encode()).digest()
    record = bytes([0x5A, 0x01, 32]) + value
    assert raw[16:16 + 39] == record + _crc(record[1:])
    assert raw[16 + 39:] == b"\xff" * (2 * SECTOR - 16 - 39)
    assert link.debug_ok(Op.STORAGE_WRITES) == (3).to_bytes(4, "big")  # erase, header, PIN record


def simulate(steps: list[tuple[int, bytes]], flash: Flash | None = None) -> list[bytes]:
    """The simulator's answers to the same debug/host payloads (channel, payload), booted from `flash` if given."""
    from keybench.protocol.framing import Frame, FrameDecoder
    endpoint = StreamEndpoint(Device(seed=0, flash=flash))
    out = []
    for i, (channel, payload) in enumerate(steps):
        frames = FrameDecoder().feed(endpoint.feed(Frame(channel, i & 0xFF, payload).encode()))
        out.append(frames[0].payload)
    return out


def test_compaction_when_the_sector_fills_matches_the_simulator(dev):
    """About 1,400 BLE-name records fill sector A, compact into B, fill B, compact back to A; storage write
    counts and every answer equal the simulator's, and the last name survives a power cycle."""
    from keybench.protocol.framing import Channel
    steps = [(Channel.DEBUG, bytes([Op.FACTORY_ERASE]))]
    for i in range(1400):
        name = f"n{i:05d}".encode()
        steps.append((Channel.HOST, bytes.fromhex("FFDA4654") + bytes([len(name)]) + name + b"\x00"))
        if i % 200 == 199:
            steps.append((Channel.DEBUG, bytes([Op.STORAGE_WRITES])))
    steps.append((Channel.DEBUG, bytes([Op.STORAGE_WRITES])))
    want = simulate(steps)
    got = [dev.link.request(channel, payload) for channel, payload in steps]
    assert got == want
    assert int.from_bytes(want[-1][2:], "big") > 1400 + 2  # compactions happened
    dev.power_cycle()
    assert dev.link.apdu_ok(imkey.GET_BLE_NAME) == b"n01399"


def header(generation: int, wipes: int) -> bytes:
    body = b"KBS1" + struct.pack(">II", generation, wipes)
    return body + _crc(body)


def record(key: int, value: bytes) -> bytes:
    body = bytes([key, len(value)]) + value
    return b"\x5a" + body + _crc(body)


def image(sector_a: bytes) -> bytes:
    return sector_a + b"\xff" * (2 * SECTOR - len(sector_a))


def boot_from(dev, raw: bytes) -> Flash:
    """Boot the firmware from the storage image `raw` (both backends read the storage file at boot) and return a
    flash holding the same image for the simulator."""
    dev.storage.write_bytes(raw)
    dev.power_cycle()
    flash = Flash()
    flash.data[:] = raw
    return flash


def set_name_steps(name: bytes) -> list[tuple[int, bytes]]:
    from keybench.protocol.framing import Channel
    return [(Channel.HOST, bytes.fromhex("FFDA4654") + bytes([len(name)]) + name + b"\x00"),
            (Channel.DEBUG, bytes([Op.STORAGE_WRITES]))]


@pytest.mark.parametrize("sector_a, new_header", [
    # Free space not erased (docs/fuzzing.md, Findings 1): an FF, then older bytes the scan never reaches.
    (header(1, 0) + b"\xff" * 7 + record(0x07, b"old"), header(2, 0)),
    # A torn record in a sector whose generation is FFFFFFFF: the compaction's generation wraps to 0.
    (header(0xFFFFFFFF, 7) + b"\x00", header(0, 7)),
], ids=["unerased-free-space", "generation-wraps"])
def test_a_dirty_image_compacts_before_the_next_write_like_the_simulator(dev, sector_a, new_header):
    """The next record goes to a freshly erased sector B, never over the old bytes: the answers, the storage write
    count and every byte of storage equal the simulator's, and the record survives a power cycle."""
    flash = boot_from(dev, image(sector_a))
    steps = set_name_steps(b"fresh")
    want = simulate(steps, flash)
    assert [dev.link.request(channel, payload) for channel, payload in steps] == want
    assert want[-1] == SW.OK.to_bytes(2, "big") + (4).to_bytes(4, "big")  # erase B, header B, erase A, record
    raw = dev.storage.read_bytes()
    assert raw == bytes(flash.data)
    assert raw[SECTOR:SECTOR + 16] == new_header and raw[:SECTOR] == b"\xff" * SECTOR
    dev.power_cycle()
    assert dev.link.apdu_ok(imkey.GET_BLE_NAME) == b"fresh"


def test_a_wipe_wraps_both_header_counters_like_the_simulator(dev):
    """Generation and wipes at FFFFFFFF: the wipe after five wrong PINs writes a header with both at 0
    (docs/protocol.md section 4: they wrap modulo 2^32), byte for byte as the simulator does."""
    from keybench.protocol.framing import Channel
    flash = boot_from(dev, image(header(0xFFFFFFFF, 0xFFFFFFFF) + record(0x01, pin_hash(PIN))))
    steps = [(Channel.DEBUG, bytes([Op.TYPE]) + WRONG.encode()), (Channel.DEBUG, bytes([Op.PRESS, 1]))] * 5
    steps.append((Channel.DEBUG, bytes([Op.STORAGE_WRITES])))
    want = simulate(steps, flash)
    assert [dev.link.request(channel, payload) for channel, payload in steps] == want
    raw = dev.storage.read_bytes()
    assert raw == bytes(flash.data)
    assert raw[SECTOR:SECTOR + 16] == header(0, 0) and raw[:SECTOR] == b"\xff" * SECTOR
    dev.power_cycle()
    assert dev.link.debug_ok(Op.SCREEN).startswith(b"Set PIN")
