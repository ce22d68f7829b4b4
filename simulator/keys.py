"""What the secure element computes from the wallet seed, with the field's libraries (mnemonic, bip-utils)."""
from __future__ import annotations

from functools import lru_cache

from bip_utils import Bip32Secp256k1
from mnemonic import Mnemonic

WORD_COUNTS = (12, 15, 18, 21, 24)


@lru_cache(maxsize=1)
def english() -> Mnemonic:
    return Mnemonic("english")


def words_from_entropy(entropy: bytes) -> list[str]:
    return english().to_mnemonic(entropy).split()


def is_word(word: str) -> bool:
    return word in english().wordlist


def checksum_ok(words: list[str]) -> bool:
    return english().check(" ".join(words))


def seed_from_words(words: list[str]) -> bytes:
    """The BIP39 seed with the empty passphrase (imKey has none)."""
    return Mnemonic.to_seed(" ".join(words), "")


def public_key(seed: bytes, path: str) -> tuple[bytes, bytes]:
    """(65-byte uncompressed public key, 32-byte chain code) at a BIP32 path."""
    node = Bip32Secp256k1.FromSeed(seed).DerivePath(path)
    return node.PublicKey().RawUncompressed().ToBytes(), node.ChainCode().ToBytes()
