"""NOR flash as the device sees it: erase to FF, program only clears bits, and power can fail mid-write."""
from __future__ import annotations


class PowerCut(Exception):
    """Raised out of a write that an armed power cut interrupted; the device is now off."""


class Flash:
    def __init__(self, sector_size: int = 16 * 1024, sectors: int = 2):
        self.sector_size = sector_size
        self.sectors = sectors
        self.data = bytearray(b"\xff" * (sector_size * sectors))
        self.writes = 0  # programs and erases since the last reset_counter()
        self._cut_at: int | None = None  # absolute write number that will be cut

    def reset_counter(self) -> None:
        self.writes = 0
        self._cut_at = None

    def arm_cut(self, nth_from_now: int) -> None:
        """The nth write from now (1 = the next one) is cut half-way."""
        if nth_from_now < 1:
            raise ValueError("a power cut is armed for write 1 or later")
        self._cut_at = self.writes + nth_from_now

    def read(self, offset: int, length: int) -> bytes:
        return bytes(self.data[offset : offset + length])

    def erase(self, sector: int) -> None:
        start = sector * self.sector_size
        done = self._begin(self.sector_size)
        self.data[start : start + done] = b"\xff" * done
        self._end(done, self.sector_size)

    def program(self, offset: int, payload: bytes) -> None:
        if offset + len(payload) > len(self.data):
            raise ValueError(f"program of {len(payload)} bytes at {offset} runs past the end of flash")
        done = self._begin(len(payload))
        for i in range(done):
            self.data[offset + i] &= payload[i]  # flash can only clear bits
        self._end(done, len(payload))

    def _begin(self, length: int) -> int:
        """Count the write; how many of its bytes happen before the power goes (all of them if not cut)."""
        self.writes += 1
        return length // 2 if self.writes == self._cut_at else length

    def _end(self, done: int, length: int) -> None:
        if self.writes == self._cut_at:
            self._cut_at = None
            raise PowerCut(f"power cut during storage write {self.writes} after {done} of {length} bytes")
