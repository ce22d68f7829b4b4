"""The binding cryptography both ends compute (docs/imkey-facts.md, "Binding"). Built on `cryptography`."""
from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

CURVE = ec.SECP256K1()


def public_bytes(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> bytes:
    """65-byte uncompressed point 04 || X || Y."""
    pub = key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey) else key

    return pub.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)


def load_public(raw: bytes) -> ec.EllipticCurvePublicKey:
    """Parse an uncompressed secp256k1 point; ValueError if it is not one or not on the curve."""
    if len(raw) != 65 or raw[0] != 0x04:
        raise ValueError("not a 65-byte uncompressed public key")
    return ec.EllipticCurvePublicKey.from_encoded_point(CURVE, raw)


def private_from_bytes(raw: bytes) -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(int.from_bytes(raw, "big"), CURVE)


def key_from_hash_chain(label: bytes, material: bytes) -> ec.EllipticCurvePrivateKey:
    """SHA-256(label || material), hashed again while not a valid scalar (docs/protocol.md, SE key)."""
    digest = hashlib.sha256(label + material).digest()
    n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    while not 0 < int.from_bytes(digest, "big") < n:
        digest = hashlib.sha256(digest).digest()
    return private_from_bytes(digest)


def session_key(own: ec.EllipticCurvePrivateKey, peer_pub: bytes) -> bytes:
    """SHA1(x of ECDH)[0:16]."""
    shared_x = own.exchange(ec.ECDH(), load_public(peer_pub))
    return hashlib.sha1(shared_x).digest()[:16]


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def bind_iv(code: str) -> bytes:
    return _xor(hashlib.sha256(code.encode()).digest(), hashlib.sha256(b"bindingCode").digest())[:16]


def bind_hash(code: str, app_pub: bytes, se_pub: bytes) -> bytes:
    return hashlib.sha256(code.encode() + app_pub + se_pub).digest()


def encrypt_proof(session: bytes, code: str, app_pub: bytes, se_pub: bytes) -> bytes:
    """The 48-byte identity-verify proof: AES-128-CBC-PKCS7(sessionKey, iv(code), bind_hash)."""
    return aes_cbc(session, bind_iv(code), bind_hash(code, app_pub, se_pub), encrypt=True)


def proof_matches(session: bytes, code: str, app_pub: bytes, se_pub: bytes, proof: bytes) -> bool:
    try:
        plain = aes_cbc(session, bind_iv(code), proof, encrypt=False)
    except ValueError:  # not whole blocks, or bad padding: a wrong code
        return False
    return plain == bind_hash(code, app_pub, se_pub)


def keyfile_key_iv(seid: str, sn: str) -> tuple[bytes, bytes]:
    """The app's key-file AES key and IV: SHA256(seid) XOR SHA256(sn), split 16/16."""
    mixed = _xor(hashlib.sha256(seid.encode()).digest(), hashlib.sha256(sn.encode()).digest())
    return mixed[:16], mixed[16:32]


def aes_cbc(key: bytes, iv: bytes, data: bytes, encrypt: bool) -> bytes:
    """AES-128-CBC with PKCS#7 padding."""
    cipher = Cipher(algorithms.AES(key), modes.CBC(iv))
    if encrypt:
        padder = padding.PKCS7(128).padder()
        data = padder.update(data) + padder.finalize()
        ctx = cipher.encryptor()
        return ctx.update(data) + ctx.finalize()
    ctx = cipher.decryptor()
    plain = ctx.update(data) + ctx.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(plain) + unpadder.finalize()
