"""Does the device keep its keys? Records what crosses the host link and searches it for the wallet's secrets.

An imKey gives the app public keys and addresses only. A device that put its mnemonic, seed or any private key
into an answer (raw, as hex, as an extended key, or as words) would be found here, whichever command carried it.
The findings name the secret ("the private key at m/44'/60'"), never its value.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from bip_utils import Bip32Secp256k1
from mnemonic import Mnemonic

from keybench.protocol.framing import Channel
from keybench.rigs.link import Exchange, Link

PATH_RE = re.compile(rb"m(?:/[0-9]+'?)+")


class HostTraffic:
    """Every host-link exchange (the app's APDUs and the device's answers) from `start` until `stop`."""

    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []
        self._link: Link | None = None

    def start(self, link: Link) -> None:
        assert self._link is None, "the traffic is already being recorded"
        link.listeners.append(self._record)
        self._link = link

    def stop(self) -> None:
        if self._link is not None:
            self._link.listeners.remove(self._record)
            self._link = None

    def _record(self, exchange: Exchange) -> None:
        if exchange.channel == Channel.HOST:
            self.exchanges.append(exchange)

    def answers(self) -> list[bytes]:
        return [ex.answer for ex in self.exchanges if ex.answer]

    def paths_asked(self) -> set[str]:
        """Every derivation path an APDU named (as the public key commands carry it, in ASCII)."""
        return {m.group().decode() for ex in self.exchanges for m in PATH_RE.finditer(ex.request)}


def _parents(path: str) -> list[str]:
    """m/44'/60'/0'/0/0 -> m/44', m/44'/60', ..., the path itself: an account key leaks all below it."""
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(2, len(parts) + 1)]


def wallet_secrets(words: list[str], paths: Iterable[str]) -> dict[str, list[bytes]]:
    """What of a wallet must stay on the device, each in the forms it could travel in (never printed)."""
    phrase = " ".join(words)
    seed = Mnemonic.to_seed(phrase, "")
    root = Bip32Secp256k1.FromSeed(seed)
    found = {"the mnemonic's entropy": bytes(Mnemonic("english").to_entropy(phrase)), "the BIP39 seed": seed}
    secrets = {name: _forms(value) for name, value in found.items()}
    secrets["the master private key"] = _forms(root.PrivateKey().Raw().ToBytes(), root.PrivateKey().ToExtended())
    for parent in sorted({parent for path in paths for parent in _parents(path)}):
        key = root.DerivePath(parent).PrivateKey()
        secrets[f"the private key at {parent}"] = _forms(key.Raw().ToBytes(), key.ToExtended())
    return secrets


def _forms(raw: bytes, extended: str | None = None) -> list[bytes]:
    forms = [raw, raw.hex().encode(), raw.hex().upper().encode()]
    return forms + [extended.encode()] if extended else forms


def word_pairs(words: list[str]) -> list[re.Pattern]:
    """Any two of the words in a row, whatever separates them, in any case: the mnemonic as text."""
    return [re.compile(rb"(?i)\b" + re.escape(first.encode()) + rb"[^A-Za-z]+" + re.escape(second.encode()) + rb"\b")
            for first, second in zip(words, words[1:], strict=False)]


def leaks(answers: list[bytes], words: list[str], paths: Iterable[str]) -> list[str]:
    """The names of the secrets that some answer holds; empty when the device kept them all."""
    found = [name for name, forms in wallet_secrets(words, paths).items()
             if any(form in answer for form in forms for answer in answers)]
    if any(pattern.search(answer) for pattern in word_pairs(words) for answer in answers):
        found.append("the mnemonic's words")
    return found
