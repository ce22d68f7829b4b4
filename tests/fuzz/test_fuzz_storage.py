"""Property tests of the simulator's storage (simulator/storage.py; docs/protocol.md section 4), the Python twin of
firmware/fuzz/fuzz_storage.c: any flash image mounts (or formats) without an exception and two mounts agree; a put
or a wipe, possibly cut half-way by a power loss at any write, leaves after a remount exactly the old records or
exactly the new ones, and the new ones when the power stayed on."""
from __future__ import annotations

import zlib

from hypothesis import given
from hypothesis import strategies as st

import fuzzkit
from keybench.simulator.flash import Flash, PowerCut
from keybench.simulator.storage import HEADER_LEN, RecordStore

SECTOR = 16 * 1024


def header(generation: int, wipes: int) -> bytes:
    body = b"KBS1" + generation.to_bytes(4, "big") + wipes.to_bytes(4, "big")
    return body + zlib.crc32(body).to_bytes(4, "big")


def record(key: int, value: bytes) -> bytes:
    body = bytes([key, len(value)]) + value
    return b"\x5a" + body + zlib.crc32(body).to_bytes(4, "big")


counters = st.sampled_from([0, 1, 2, 7, 2**32 - 1]) | st.integers(0, 2**32 - 1)
records = st.builds(record, st.integers(1, 9), st.binary(max_size=70))
damage = st.sampled_from([b"", b"\xff", b"\x00", b"\x5a\x01"]) | st.binary(max_size=12)
sector_images = st.one_of(
    st.builds(lambda h, recs, tail: h + b"".join(recs) + tail,
              st.builds(header, counters, counters), st.lists(records, max_size=8), damage),
    st.binary(max_size=64),
)


def mount(flash: Flash) -> tuple[RecordStore, dict]:
    flash.reset_counter()
    store = RecordStore(flash)
    store.mount()
    return store, dict(store.values)


@given(a=sector_images, b=sector_images, wipe=st.booleans(), key=st.integers(1, 9), value=st.binary(max_size=80),
       cut=st.none() | st.integers(1, 12))
def test_any_image_mounts_and_a_write_is_all_or_nothing(a, b, wipe, key, value, cut):
    flash = Flash()
    flash.data[0:len(a)] = a
    flash.data[SECTOR:SECTOR + len(b)] = b
    store, before = mount(flash)
    assert mount(flash)[1] == before, "two mounts of one image disagree"
    fuzzkit.COUNTS["storage images mounted by the simulator"] += 1
    expected = {} if wipe else {**before, key: value} if value else {k: v for k, v in before.items() if k != key}
    if cut is not None:
        flash.arm_cut(cut)
    try:
        store.wipe() if wipe else store.put(key, value)
        powered = True
    except PowerCut:
        powered = False
    after = mount(flash)[1]
    assert after == expected or (not powered and after == before)


def test_a_maximal_generation_compacts_without_an_exception():
    flash = Flash()
    flash.data[0:HEADER_LEN] = header(0xFFFFFFFF, 0xFFFFFFFF)
    store, _ = mount(flash)
    store.wipe()
    assert mount(flash)[1] == {}


def test_a_write_survives_an_image_with_unerased_free_space():
    flash = Flash()
    flash.data[0:HEADER_LEN] = header(1, 0)
    flash.data[HEADER_LEN + 7:HEADER_LEN + 7 + 10] = record(1, b"old")
    store, _ = mount(flash)
    store.put(7, b"new")
    assert mount(flash)[1] == {7: b"new"}
