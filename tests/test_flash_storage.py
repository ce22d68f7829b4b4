"""The flash model and the record log on it, with power cuts at every write."""
import pytest

from keybench.simulator.flash import Flash, PowerCut
from keybench.simulator.storage import HEADER_LEN, Key, RecordStore


def small_flash() -> Flash:
    return Flash(sector_size=512)


def test_program_only_clears_bits_and_erase_sets_ff():
    flash = small_flash()
    flash.program(0, b"\x0f\xf0")
    flash.program(0, b"\xf0\xff")
    assert flash.read(0, 2) == b"\x00\xf0"
    flash.erase(0)
    assert flash.read(0, 512) == b"\xff" * 512
    assert flash.writes == 3


def test_a_cut_write_lands_half_and_raises():
    flash = small_flash()
    flash.arm_cut(2)
    flash.program(0, b"\x00" * 4)
    with pytest.raises(PowerCut, match="write 2"):
        flash.program(10, b"\x00" * 8)
    assert flash.read(10, 8) == b"\x00" * 4 + b"\xff" * 4
    flash.program(20, b"\x00")  # the cut fires once


def test_values_survive_a_remount():
    flash = small_flash()
    store = RecordStore(flash)
    store.mount()
    store.put(Key.PIN_HASH, b"p" * 32)
    store.put(Key.PIN_FAILS, b"\x02")
    store.put(Key.PIN_FAILS, b"\x03")
    store.put(Key.BIND_CODE, b"")  # len 0: absent
    again = RecordStore(flash)
    again.mount()
    assert again.values == {Key.PIN_HASH: b"p" * 32, Key.PIN_FAILS: b"\x03"}


def test_full_sector_compacts_and_keeps_the_latest_values():
    flash = small_flash()
    store = RecordStore(flash)
    store.mount()
    for i in range(200):
        store.put(Key.PIN_FAILS, bytes([i % 5]))
        store.put(Key.BLE_NAME, f"name{i}".encode())
    again = RecordStore(flash)
    again.mount()
    assert again.values == {Key.PIN_FAILS: bytes([199 % 5]), Key.BLE_NAME: b"name199"}
    assert again.generation > 2


def test_wipe_forgets_everything_and_counts():
    flash = small_flash()
    store = RecordStore(flash)
    store.mount()
    store.put(Key.SEED, b"s" * 64)
    store.wipe()
    again = RecordStore(flash)
    again.mount()
    assert again.values == {} and again.wipes == 1


def run_history(store: RecordStore, states: list[dict]) -> None:
    """A fixed history of puts and wipes; `states` gets the values after each completed operation."""
    states.append(dict(store.values))
    for op in range(30):
        if op % 10 == 9:
            store.wipe()
        else:
            store.put(Key(1 + op % 7), bytes([op]) * (1 + op * 7 % 60))
        states.append(dict(store.values))


def test_a_cut_at_any_write_loses_at_most_the_operation_in_flight():
    """Cut at every write of a long history (compactions and wipes included) and remount: the store holds
    the state just before or just after the interrupted operation, and keeps working."""
    reference = RecordStore(small_flash())
    reference.mount()
    first = reference.flash.writes
    expected: list[dict] = []
    run_history(reference, expected)
    total = reference.flash.writes - first
    assert total > 33  # more writes than operations: the history really compacts and wipes
    for cut in range(1, total + 1):
        flash = small_flash()
        store = RecordStore(flash)
        store.mount()
        flash.arm_cut(cut)
        seen: list[dict] = []
        with pytest.raises(PowerCut):
            run_history(store, seen)
        after = RecordStore(flash)
        after.mount()
        done = len(seen) - 1  # operations completed before the cut
        assert after.values in (expected[done], expected[done + 1]), f"cut at write {cut}"
        after.put(Key.BLE_NAME, b"after")
        final = RecordStore(flash)
        final.mount()
        assert final.values[Key.BLE_NAME] == b"after"


def test_torn_record_is_ignored_and_the_sector_compacts_on_next_write():
    flash = small_flash()
    store = RecordStore(flash)
    store.mount()
    store.put(Key.PIN_HASH, b"h" * 32)
    flash.arm_cut(1)
    with pytest.raises(PowerCut):
        store.put(Key.PIN_FAILS, b"\x01")
    again = RecordStore(flash)
    again.mount()
    assert again.values == {Key.PIN_HASH: b"h" * 32}
    generation = again.generation
    again.put(Key.PIN_FAILS, b"\x02")
    assert again.generation == generation + 1  # compacted first, never appended behind a torn record
    assert flash.read(again.sector * flash.sector_size, 4) == b"KBS1"
    assert HEADER_LEN == 16


def _header(generation: int, wipes: int) -> bytes:
    import zlib
    body = b"KBS1" + generation.to_bytes(4, "big") + wipes.to_bytes(4, "big")
    return body + zlib.crc32(body).to_bytes(4, "big")


def test_unerased_free_space_makes_the_sector_dirty_and_the_next_write_compacts_first():
    """An FF byte ends the record scan, but bytes after it that are not FF (a corrupt image) would spoil a record
    programmed over them: the sector is dirty, so the next append goes to a freshly erased sector."""
    flash = small_flash()
    flash.data[0:HEADER_LEN] = _header(1, 0)
    flash.data[HEADER_LEN + 7] = 0x00  # one stray programmed byte in the free space
    store = RecordStore(flash)
    store.mount()
    assert store.values == {} and store._dirty
    flash.reset_counter()
    store.put(Key.BLE_NAME, b"new")
    assert flash.writes == 4  # erase B, header B, erase A (the compaction), then the record
    again = RecordStore(flash)
    again.mount()
    assert again.values == {Key.BLE_NAME: b"new"} and again.sector == 1 and again.generation == 2


def test_an_erased_free_space_is_not_dirty():
    flash = small_flash()
    store = RecordStore(flash)
    store.mount()
    store.put(Key.PIN_FAILS, b"\x01")
    again = RecordStore(flash)
    again.mount()
    assert not again._dirty
    flash.reset_counter()
    again.put(Key.PIN_FAILS, b"\x02")
    assert flash.writes == 1  # appended, no compaction


@pytest.mark.parametrize("operation", ["put", "wipe"])
def test_generation_and_wipes_wrap_modulo_2_to_the_32(operation):
    flash = small_flash()
    flash.data[0:HEADER_LEN] = _header(0xFFFFFFFF, 0xFFFFFFFF)
    flash.data[HEADER_LEN] = 0x00  # a torn record: the next put compacts
    store = RecordStore(flash)
    store.mount()
    if operation == "put":
        store.put(Key.BLE_NAME, b"x")
    else:
        store.wipe()
    assert flash.read(flash.sector_size, HEADER_LEN) == _header(0, 0 if operation == "wipe" else 0xFFFFFFFF)
    again = RecordStore(flash)
    again.mount()
    assert (again.sector, again.generation) == (1, 0)
    assert again.values == ({Key.BLE_NAME: b"x"} if operation == "put" else {})
