"""The companion app talking to a hardware device: key files, binding, public keys and addresses."""
from __future__ import annotations

import hashlib
import os

from bip_utils import EthAddrEncoder, P2PKHAddrEncoder, P2SHAddrEncoder, P2WPKHAddrEncoder

from keybench.protocol import binding, imkey
from keybench.protocol.imkey import Aid, BindStatus
from keybench.rigs.app.keyfile import KeyFile
from keybench.rigs.link import Link


class AppError(Exception):
    """An error the app shows its user; `kind` uses the imKey SDK's names (illegal_argument, authcode_error)."""

    def __init__(self, kind: str, message: str):
        self.kind = kind
        super().__init__(f"{kind}: {message}")


class CompanionApp:
    def __init__(self, phone: str, link: Link, entropy: bytes = b""):
        """`entropy` makes the app's key pairs reproducible (the rig seed); a phone's storage starts empty."""
        self.phone = phone
        self.link = link
        self.entropy = entropy
        self.storage: dict[str, bytes] = {}
        self.installs = 1
        # Imported here: that module imports AppError from this one.
        from keybench.rigs.app.software_wallet import SoftwareWallets

        # App-held wallets live in the phone's storage; with the rig seed their mnemonics and keystore salts are
        # reproducible too, so a scenario's transcript is the same on every run (docs/architecture.md).
        self.wallets = SoftwareWallets(self.storage, _SeededBytes(entropy + phone.encode()) if entropy else os.urandom)

    def reinstall(self) -> None:
        """Delete and install again: the phone's storage, key files included, is gone."""
        self.storage.clear()
        self.installs += 1

    # Device identity and the key file
    def _identity(self) -> tuple[str, str]:
        seid = self.link.apdu_ok(imkey.SE_ID, "read SE id").hex().upper()
        sn = self.link.apdu_ok(imkey.SERIAL_NUMBER, "read serial number").decode("ascii", "replace")
        return seid, sn

    def _key_file(self, seid: str, sn: str) -> KeyFile:
        blob = self.storage.get(f"keyfile/{seid}")
        if blob is not None:
            return KeyFile.open(blob, seid, sn)
        material = self.entropy + self.phone.encode() + self.installs.to_bytes(4, "big") + seid.encode()
        priv = binding.key_from_hash_chain(b"keybench-app-key", hashlib.sha256(material).digest())
        return KeyFile(priv.private_numbers().private_value.to_bytes(32, "big"))

    def _save(self, seid: str, sn: str, key_file: KeyFile) -> None:
        self.storage[f"keyfile/{seid}"] = key_file.seal(seid, sn)

    # Binding
    def connect(self) -> BindStatus:
        """What the app does on every connection: identify the device, then bind check."""
        seid, sn = self._identity()
        key_file = self._key_file(seid, sn)
        self.link.apdu_ok(imkey.select(Aid.IMK), "select IMK applet")
        answer = self.link.apdu_ok(imkey.bind_check(key_file.app_pub), "bind check")
        key_file.se_pub = imkey.se_pubkey_from_certificate(answer[1:])
        self._save(seid, sn, key_file)
        return BindStatus(answer[0])

    def show_binding_code_on_device(self) -> None:
        self.link.apdu_ok(imkey.select(Aid.IMK), "select IMK applet")
        self.link.apdu_ok(imkey.DISPLAY_BIND_CODE, "display binding code")

    def bind(self, code: str) -> None:
        """Bind with the code the user typed; raises AppError for a malformed or wrong code."""
        code = code.strip().upper()
        if not imkey.BIND_CODE_RE.fullmatch(code):
            raise AppError("illegal_argument", "a binding code is 8 characters of A-Z and 2-9 without I and O")
        seid, sn = self._identity()
        key_file = self._key_file(seid, sn)
        if not key_file.se_pub:
            raise AppError("not_connected", "connect to the device before binding")
        session = binding.session_key(binding.private_from_bytes(key_file.app_priv), key_file.se_pub)
        proof = binding.encrypt_proof(session, code, key_file.app_pub, key_file.se_pub)
        self.link.apdu_ok(imkey.select(Aid.IMK), "select IMK applet")
        answer = self.link.apdu_ok(imkey.identity_verify(key_file.app_pub, proof), "identity verify")
        if answer[:1] != bytes([imkey.IDENTITY_OK]):
            raise AppError("authcode_error", "the device did not accept the binding code")
        key_file.session_key = session
        self._save(seid, sn, key_file)

    # Keys and addresses
    def public_key(self, coin: Aid, path: str) -> tuple[bytes, bytes]:
        self.link.apdu_ok(imkey.select(coin), f"select {coin.name} applet")
        answer = self.link.apdu_ok(imkey.get_pubkey(coin, path), f"{coin.name} public key at {path}")
        return answer[:65], answer[65:97]

    def address(self, coin: Aid, path: str) -> str:
        return address_of(coin, path, self.public_key(coin, path)[0])

    def advanced_options(self, coin: Aid) -> tuple[str, ...]:
        """The "Advanced" export options of the imKey's account for `coin`: none, its keys never leave the device."""
        from keybench.rigs.app.accounts import advanced_options

        if self.connect() is not BindStatus.BOUND_THIS:
            raise AppError("not_connected", "the app has no imKey account: pair the device with this app first")
        return advanced_options("hardware", coin.name)


def address_of(coin: Aid, path: str, pub: bytes) -> str:
    """ETH: keccak address. BTC: P2WPKH for m/84', P2SH-P2WPKH for m/49', P2PKH otherwise; testnet for 1'."""
    if coin is Aid.ETH:
        return EthAddrEncoder.EncodeKey(pub)
    testnet = path.split("/")[2:3] == ["1'"]
    if path.startswith("m/84'"):
        return P2WPKHAddrEncoder.EncodeKey(pub, hrp="tb" if testnet else "bc", wit_ver=0)
    if path.startswith("m/49'"):  # BIP49: P2WPKH nested in P2SH
        return P2SHAddrEncoder.EncodeKey(pub, net_ver=b"\xc4" if testnet else b"\x05")
    return P2PKHAddrEncoder.EncodeKey(pub, net_ver=b"\x6f" if testnet else b"\x00")


class _SeededBytes:
    """A reproducible byte source for a seeded app: SHA-256 over the seed and a counter (test randomness only)."""

    def __init__(self, seed: bytes):
        self._seed, self._counter = hashlib.sha256(b"keybench-app-random" + seed).digest(), 0

    def __call__(self, n: int) -> bytes:
        out = b""
        while len(out) < n:
            self._counter += 1
            out += hashlib.sha256(self._seed + self._counter.to_bytes(8, "big")).digest()
        return out[:n]
