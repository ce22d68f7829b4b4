"""The app's key file for one device (docs/imkey-facts.md): app key pair, SE public key and session key, sealed with
AES-128-CBC under a key and IV derived from the device's SE id and serial number."""
from __future__ import annotations

from dataclasses import dataclass

from keybench.protocol import binding

PRIV, PUB = 32, 65
SESSION = 16


@dataclass
class KeyFile:
    app_priv: bytes
    se_pub: bytes = b""
    session_key: bytes = b""

    @property
    def app_pub(self) -> bytes:
        return binding.public_bytes(binding.private_from_bytes(self.app_priv))

    def seal(self, seid: str, sn: str) -> bytes:
        key, iv = binding.keyfile_key_iv(seid, sn)
        plain = self.app_priv + self.se_pub.ljust(PUB, b"\0") + self.session_key.ljust(SESSION, b"\0")
        return binding.aes_cbc(key, iv, plain, encrypt=True)

    @classmethod
    def open(cls, blob: bytes, seid: str, sn: str) -> "KeyFile":
        key, iv = binding.keyfile_key_iv(seid, sn)
        plain = binding.aes_cbc(key, iv, blob, encrypt=False)
        if len(plain) != PRIV + PUB + SESSION:
            raise ValueError(f"key file holds {len(plain)} bytes, expected {PRIV + PUB + SESSION}")
        se_pub, session = plain[PRIV : PRIV + PUB], plain[PRIV + PUB :]
        return cls(plain[:PRIV], se_pub if any(se_pub) else b"", session if any(session) else b"")
