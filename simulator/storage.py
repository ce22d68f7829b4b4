"""The append-only record log on two flash sectors (docs/protocol.md, section 4)."""
from __future__ import annotations

import enum
import zlib

from keybench.simulator.flash import Flash

HEADER_MAGIC = b"KBS1"
HEADER_LEN = 16
COUNTER_MODULUS = 2**32  # generation and wipes are 4-byte counters that wrap
RECORD_TAG = 0x5A
RECORD_OVERHEAD = 3 + 4  # tag, key, len; crc


class Key(enum.IntEnum):
    PIN_HASH = 0x01
    PIN_FAILS = 0x02
    SEED = 0x03
    BIND_CODE = 0x04
    BOUND_APP = 0x05
    BOUND_PC = 0x06
    BLE_NAME = 0x07


def _crc(data: bytes) -> bytes:
    return zlib.crc32(data).to_bytes(4, "big")


class RecordStore:
    """Key-value records on flash. A torn record or unerased free space is ignored and the next write compacts
    first."""

    def __init__(self, flash: Flash):
        self.flash = flash
        self.values: dict[int, bytes] = {}
        self.sector = 0
        self.generation = 0
        self.wipes = 0
        self._free = HEADER_LEN
        self._dirty = False

    # Mounting
    def mount(self) -> None:
        headers = [self._header(s) for s in range(self.flash.sectors)]
        valid = [(h[0], s, h[1]) for s, h in enumerate(headers) if h is not None]
        if not valid:
            self.flash.erase(0)
            self.flash.program(0, self._header_bytes(1, 0))
            self.sector, self.generation, self.wipes = 0, 1, 0
            self.values, self._free, self._dirty = {}, HEADER_LEN, False
            return
        self.generation, self.sector, self.wipes = max(valid)
        self._scan()

    def _header(self, sector: int) -> tuple[int, int] | None:
        raw = self.flash.read(sector * self.flash.sector_size, HEADER_LEN)
        if raw[:4] != HEADER_MAGIC or _crc(raw[:12]) != raw[12:16]:
            return None
        return int.from_bytes(raw[4:8], "big"), int.from_bytes(raw[8:12], "big")

    @staticmethod
    def _header_bytes(generation: int, wipes: int) -> bytes:
        body = HEADER_MAGIC + generation.to_bytes(4, "big") + wipes.to_bytes(4, "big")
        return body + _crc(body)

    def _scan(self) -> None:
        base, size = self.sector * self.flash.sector_size, self.flash.sector_size
        sector = self.flash.read(base, size)
        self.values, self._dirty = {}, False
        at = HEADER_LEN
        while at < size and sector[at] != 0xFF:
            if sector[at] != RECORD_TAG or at + 3 > size:
                self._dirty = True
                break
            key, length = sector[at + 1], sector[at + 2]
            end = at + 3 + length + 4
            if end > size or _crc(sector[at + 1 : end - 4]) != sector[end - 4 : end]:
                self._dirty = True
                break
            value = sector[at + 3 : end - 4]
            if length:
                self.values[key] = value
            else:
                self.values.pop(key, None)
            at = end
        self._free = at
        if not self._dirty and sector[at:].count(0xFF) != size - at:
            # Free space that is not erased (a corrupt image): programming a record over it would only clear
            # bits and the record would fail its CRC, so compact into an erased sector first.
            self._dirty = True

    # Reading and writing
    def get(self, key: Key) -> bytes | None:
        return self.values.get(key)

    def put(self, key: Key, value: bytes) -> None:
        """Append one record (len 0 deletes). Compacts first when the sector is dirty or full."""
        if len(value) > 255:
            raise ValueError(f"a record holds at most 255 bytes, got {len(value)}")
        record = bytes([RECORD_TAG, key, len(value)]) + value
        record += _crc(record[1:])
        if self._dirty or self._free + len(record) > self.flash.sector_size:
            self._compact(self.values, self.wipes)
        self.flash.program(self.sector * self.flash.sector_size + self._free, record)
        self._free += len(record)
        if value:
            self.values[key] = bytes(value)
        else:
            self.values.pop(key, None)

    def wipe(self) -> None:
        """Forget every record; the wipe counter goes up by one (modulo 2^32)."""
        self._compact({}, (self.wipes + 1) % COUNTER_MODULUS)

    def _compact(self, keep: dict[int, bytes], wipes: int) -> None:
        """Erase the other sector, copy `keep`, commit with its header, erase the old sector."""
        old, new = self.sector, (self.sector + 1) % self.flash.sectors
        base = new * self.flash.sector_size
        self.flash.erase(new)
        at = HEADER_LEN
        for key, value in sorted(keep.items()):
            record = bytes([RECORD_TAG, key, len(value)]) + value
            record += _crc(record[1:])
            self.flash.program(base + at, record)
            at += len(record)
        generation = (self.generation + 1) % COUNTER_MODULUS
        self.flash.program(base, self._header_bytes(generation, wipes))
        self.generation = generation
        self.sector, self.wipes, self._free, self._dirty = new, wipes, at, False
        self.values = dict(keep)
        self.flash.erase(old)
