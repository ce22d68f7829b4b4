"""The device's random stream: SHA-256 in counter mode from a seed, so runs repeat (docs/protocol.md, section 3)."""
from __future__ import annotations

import hashlib

from keybench.protocol.imkey import BIND_CODE_ALPHABET


class DeviceRng:
    def __init__(self, seed: int, wipes: int):
        self._key = hashlib.sha256(b"keybench-rng" + seed.to_bytes(8, "big") + wipes.to_bytes(4, "big")).digest()
        self._counter = 0
        self._pool = b""

    def bytes(self, n: int) -> bytes:
        while len(self._pool) < n:
            self._pool += hashlib.sha256(self._key + self._counter.to_bytes(4, "big")).digest()
            self._counter += 1
        out, self._pool = self._pool[:n], self._pool[n:]
        return out

    def binding_code(self) -> str:
        return "".join(BIND_CODE_ALPHABET[b & 31] for b in self.bytes(8))

    def check_positions(self, word_count: int) -> list[int]:
        """Two distinct word positions for the mnemonic check, in the order drawn."""
        first = self.bytes(1)[0] % word_count
        second = first
        while second == first:
            second = self.bytes(1)[0] % word_count
        return [first, second]
