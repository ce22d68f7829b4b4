"""Web3 Secret Storage version 3 keystores, as imToken writes them, and the checks before one is trusted.

Written: aes-128-ctr with a 16-byte iv; kdf pbkdf2 with prf hmac-sha256, c 262144, dklen 32 and a 32-byte salt;
mac = keccak256(dk[16:32] || ciphertext); the lowercase address without 0x; a random (version 4) uuid as id.
Read: the same, and scrypt keystores. The primitives come from maintained libraries: PBKDF2 from hashlib
(OpenSSL), scrypt and keccak-256 from pycryptodome, AES-CTR from cryptography.

Every refusal is a KeystoreError naming what is wrong; no message ever contains the password or a key. A
password may be a `Secret`.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import uuid
from collections.abc import Callable
from typing import Any

from Crypto.Hash import keccak
from Crypto.Protocol.KDF import scrypt
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from keybench.rigs.app import accounts
from keybench.rigs.app.secret import Secret, plain

VERSION = 3
CIPHER = "aes-128-ctr"
PRF = "hmac-sha256"
PBKDF2_ITERATIONS = 262144
DKLEN = 32
SALT_BYTES = 32
IV_BYTES = 16
KEY_BYTES = 32

# Bounds on what an imported keystore may ask for, so a hostile file cannot hang or exhaust the app.
MAX_JSON_CHARS = 64 * 1024
MAX_PBKDF2_ITERATIONS = 10_000_000
MAX_SCRYPT_N = 1 << 20
MAX_SCRYPT_R = 32
MAX_SCRYPT_P = 16
MAX_SCRYPT_MEMORY = 1 << 28  # 128 * r * n bytes: 256 MiB, what n 262144 / r 8 needs

RandomBytes = Callable[[int], bytes]


class KeystoreError(ValueError):
    """Why a keystore was refused.

    kind: `invalid_keystore` (not JSON, a missing or malformed field, an unsupported version, cipher or kdf, an
    address that is not the key's), `kdf_params_invalid` (kdf parameters out of range), or `password_incorrect`
    (the MAC does not match: a wrong password, or a keystore modified after it was written).
    """

    def __init__(self, kind: str, message: str):
        self.kind = kind
        self.reason = message
        super().__init__(f"{kind}: {message}")


def _invalid(message: str) -> KeystoreError:
    return KeystoreError("invalid_keystore", message)


# Writing
def encrypt(secret: bytes, password: str | Secret, *, iterations: int = PBKDF2_ITERATIONS,
            address: str | None = None, random_bytes: RandomBytes = os.urandom) -> dict[str, Any]:
    """A version-3 keystore of `secret` (any length) under `password`, pbkdf2 with `iterations` rounds."""
    if not 1 <= iterations <= MAX_PBKDF2_ITERATIONS:
        raise KeystoreError("kdf_params_invalid", f"pbkdf2 iterations must be 1..{MAX_PBKDF2_ITERATIONS}")
    salt, iv = random_bytes(SALT_BYTES), random_bytes(IV_BYTES)
    params = {"c": iterations, "dklen": DKLEN, "prf": PRF, "salt": salt.hex()}
    dk = _pbkdf2(password, salt, iterations)
    ciphertext = _aes_ctr(dk[:16], iv, secret)
    doc: dict[str, Any] = {"version": VERSION, "id": str(uuid.UUID(bytes=random_bytes(16), version=4))}
    if address is not None:
        doc["address"] = address.lower().removeprefix("0x")
    doc["crypto"] = {
        "cipher": CIPHER,
        "cipherparams": {"iv": iv.hex()},
        "ciphertext": ciphertext.hex(),
        "kdf": "pbkdf2",
        "kdfparams": params,
        "mac": _mac(dk, ciphertext).hex(),
    }
    return doc


def encrypt_key(private_key: bytes, password: str | Secret, *,
                random_bytes: RandomBytes = os.urandom) -> str:
    """The keystore JSON imToken exports for an ETH private key."""
    address = accounts.address(accounts.ETH, private_key)
    return json.dumps(encrypt(private_key, password, address=address, random_bytes=random_bytes))


# Reading
def parse(keystore: str | bytes | dict) -> dict[str, Any]:
    """Check the structure of a keystore (JSON text or an already parsed object) without the password.

    Returns the document with `crypto` under that name (old files spell it `Crypto`)."""
    if isinstance(keystore, (str, bytes, bytearray)):
        if len(keystore) > MAX_JSON_CHARS:
            raise _invalid(f"larger than {MAX_JSON_CHARS} characters")
        try:
            doc = json.loads(keystore)
        except RecursionError:  # json.loads recurses per nesting level
            raise _invalid("not JSON (nested too deeply)") from None
        except ValueError as exc:  # JSONDecodeError, undecodable bytes, an integer past Python's digit limit
            raise _invalid(f"not JSON ({getattr(exc, 'msg', None) or str(exc).split(':')[0]})") from None
    else:
        doc = keystore
    if not isinstance(doc, dict):
        raise _invalid("the top level is not a JSON object")
    doc = dict(doc)
    if "crypto" not in doc and "Crypto" in doc:
        doc["crypto"] = doc.pop("Crypto")
    for name in ("version", "id", "crypto"):
        if name not in doc:
            raise _invalid(f"missing field {name!r}")
    if _int(doc, "version") != VERSION:
        raise _invalid(f"version {doc['version']!r} is not supported (only {VERSION})")
    if not isinstance(doc["id"], str):
        raise _invalid("field 'id' is not a string")
    try:
        uuid.UUID(doc["id"])
    except ValueError:
        raise _invalid("field 'id' is not a UUID") from None
    if "address" in doc:
        address = _hex(doc, "address")
        if len(address) != 20:
            raise _invalid("field 'address' is not 20 bytes")
    crypto = _object(doc, "crypto")
    for name in ("cipher", "cipherparams", "ciphertext", "kdf", "kdfparams", "mac"):
        if name not in crypto:
            raise _invalid(f"missing field 'crypto.{name}'")
    if crypto["cipher"] != CIPHER:
        raise _invalid(f"cipher {crypto['cipher']!r} is not supported (only {CIPHER})")
    if "iv" not in _object(crypto, "cipherparams", "crypto."):
        raise _invalid("missing field 'crypto.cipherparams.iv'")
    if len(_hex(crypto["cipherparams"], "iv", "crypto.cipherparams.")) != IV_BYTES:
        raise _invalid(f"field 'crypto.cipherparams.iv' is not {IV_BYTES} bytes")
    if not _hex(crypto, "ciphertext", "crypto."):
        raise _invalid("field 'crypto.ciphertext' is empty")
    if len(_hex(crypto, "mac", "crypto.")) != 32:
        raise _invalid("field 'crypto.mac' is not 32 bytes")
    kdf = crypto["kdf"]
    params = _object(crypto, "kdfparams", "crypto.")
    if kdf == "pbkdf2":
        _check_pbkdf2(params)
    elif kdf == "scrypt":
        _check_scrypt(params)
    else:
        raise _invalid(f"kdf {kdf!r} is not supported (pbkdf2 or scrypt)")
    return doc


def decrypt(keystore: str | bytes | dict, password: str | Secret) -> bytes:
    """The secret in a keystore. Raises KeystoreError for a malformed keystore or a MAC mismatch."""
    crypto = parse(keystore)["crypto"]
    params = crypto["kdfparams"]
    salt = _hex(params, "salt")
    if crypto["kdf"] == "pbkdf2":
        dk = _pbkdf2(password, salt, params["c"])
    else:
        dk = _scrypt(password, salt, params["n"], params["r"], params["p"])
    ciphertext = _hex(crypto, "ciphertext")
    if not hmac.compare_digest(_mac(dk, ciphertext), _hex(crypto, "mac")):
        raise KeystoreError("password_incorrect",
                            "the MAC does not match: a wrong password, or the keystore was modified")
    return _aes_ctr(dk[:16], _hex(crypto["cipherparams"], "iv"), ciphertext)


def decrypt_key(keystore: str | bytes | dict, password: str | Secret) -> bytes:
    """The private key in a keystore, checked: 32 bytes, a valid secp256k1 key, the address the file names."""
    doc = parse(keystore)
    secret = decrypt(doc, password)
    if len(secret) != KEY_BYTES:
        raise _invalid(f"the decrypted key is {len(secret)} bytes, not {KEY_BYTES}")
    try:
        address = accounts.address(accounts.ETH, secret)
    except ValueError:
        raise _invalid("the decrypted key is not a valid secp256k1 private key") from None
    if "address" in doc and _hex(doc, "address") != bytes.fromhex(address[2:]):
        raise _invalid("field 'address' is not the address of the key inside")
    return secret


# Field checks
def _object(doc: dict, name: str, where: str = "") -> dict:
    value = doc[name]
    if not isinstance(value, dict):
        raise _invalid(f"field {where + name!r} is not an object")
    return value


def _int(doc: dict, name: str, where: str = "") -> int:
    value = doc[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid(f"field {where + name!r} is not an integer")
    return value


def _hex(doc: dict, name: str, where: str = "") -> bytes:
    value = doc[name]
    if not isinstance(value, str):
        raise _invalid(f"field {where + name!r} is not a hex string")
    try:
        return bytes.fromhex(value.removeprefix("0x"))
    except ValueError:
        raise _invalid(f"field {where + name!r} is not a hex string") from None


def _params_present(params: dict, names: tuple[str, ...], kdf: str) -> None:
    for name in names:
        if name not in params:
            raise KeystoreError("kdf_params_invalid", f"{kdf}: missing field 'crypto.kdfparams.{name}'")
        if name != "salt" and name != "prf":
            try:
                _int(params, name, "crypto.kdfparams.")
            except KeystoreError as exc:
                raise KeystoreError("kdf_params_invalid", f"{kdf}: {exc.reason}") from None
    try:
        salt = _hex(params, "salt", "crypto.kdfparams.")
    except KeystoreError as exc:
        raise KeystoreError("kdf_params_invalid", f"{kdf}: {exc.reason}") from None
    if not salt:
        raise KeystoreError("kdf_params_invalid", f"{kdf}: the salt is empty")
    if params["dklen"] != DKLEN:
        raise KeystoreError("kdf_params_invalid", f"{kdf}: dklen must be {DKLEN}, not {params['dklen']}")


def _check_pbkdf2(params: dict) -> None:
    _params_present(params, ("c", "dklen", "prf", "salt"), "pbkdf2")
    if params["prf"] != PRF:
        raise KeystoreError("kdf_params_invalid", f"pbkdf2: prf {params['prf']!r} is not supported (only {PRF})")
    if not 1 <= params["c"] <= MAX_PBKDF2_ITERATIONS:
        raise KeystoreError("kdf_params_invalid", f"pbkdf2: c must be 1..{MAX_PBKDF2_ITERATIONS}, not {params['c']}")


def _check_scrypt(params: dict) -> None:
    _params_present(params, ("n", "r", "p", "dklen", "salt"), "scrypt")
    n, r, p = params["n"], params["r"], params["p"]
    if n < 2 or n & (n - 1) or n > MAX_SCRYPT_N:
        raise KeystoreError("kdf_params_invalid", f"scrypt: n must be a power of 2 in 2..{MAX_SCRYPT_N}, not {n}")
    if not 1 <= r <= MAX_SCRYPT_R or not 1 <= p <= MAX_SCRYPT_P:
        raise KeystoreError("kdf_params_invalid",
                            f"scrypt: r must be 1..{MAX_SCRYPT_R} and p 1..{MAX_SCRYPT_P}, not r {r} p {p}")
    if 128 * r * n > MAX_SCRYPT_MEMORY:
        raise KeystoreError("kdf_params_invalid", f"scrypt: n {n} and r {r} need more than 256 MiB")


# Primitives (library calls only)
# The password stays wrapped until the library call, so no Python frame of a traceback shows it.
def _pbkdf2(password: str | Secret, salt: bytes, iterations: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", plain(password).encode("utf-8"), salt, iterations, DKLEN)


def _scrypt(password: str | Secret, salt: bytes, n: int, r: int, p: int) -> bytes:
    return scrypt(plain(password).encode("utf-8"), salt, DKLEN, N=n, r=r, p=p)


def _aes_ctr(key: bytes, iv: bytes, data: bytes) -> bytes:
    # CTR is symmetric: the same call encrypts and decrypts. The iv is the whole 128-bit big-endian counter block.
    cipher = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor()
    return cipher.update(data) + cipher.finalize()


def _mac(dk: bytes, ciphertext: bytes) -> bytes:
    return keccak.new(digest_bits=256, data=dk[16:32] + ciphertext).digest()
