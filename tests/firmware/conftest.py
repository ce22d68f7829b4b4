"""Build firmware/crypto for the host and load it with ctypes.

The same C sources go into the STM32 firmware; testing them here, against the
official vectors and Python's own implementations, is much faster than under QEMU.
"""
import ctypes
import hashlib
import os
import shutil
import subprocess

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FW_TESTS = os.path.join(REPO, "firmware", "tests")
LIB_PATH = os.path.join(REPO, "firmware", "build", "host", "libkbcrypto.so")

u8p = ctypes.POINTER(ctypes.c_uint8)
sz = ctypes.c_size_t
cstr = ctypes.c_char_p

# name: (restype, argtypes). Keeping these in one table makes ctypes check
# every call's arity and types instead of guessing ints.
SIGNATURES = {
    "kb_sha1": (None, [cstr, sz, cstr]),
    "kb_sha256": (None, [cstr, sz, cstr]),
    "kb_sha256_init": (None, [ctypes.c_void_p]),
    "kb_sha256_update": (None, [ctypes.c_void_p, cstr, sz]),
    "kb_sha256_final": (None, [ctypes.c_void_p, cstr]),
    "kb_sha512": (None, [cstr, sz, cstr]),
    "kb_sha512_init": (None, [ctypes.c_void_p]),
    "kb_sha512_update": (None, [ctypes.c_void_p, cstr, sz]),
    "kb_sha512_final": (None, [ctypes.c_void_p, cstr]),
    "kb_hmac_sha256": (None, [cstr, sz, cstr, sz, cstr]),
    "kb_hmac_sha512": (None, [cstr, sz, cstr, sz, cstr]),
    "kb_pbkdf2_hmac_sha512": (None, [cstr, sz, cstr, sz, ctypes.c_uint32, cstr, sz]),
    "kb_aes128_encrypt_block": (None, [cstr, cstr, cstr]),
    "kb_aes128_decrypt_block": (None, [cstr, cstr, cstr]),
    "kb_aes128_cbc_encrypt": (ctypes.c_int, [cstr, cstr, cstr, sz, cstr]),
    "kb_aes128_cbc_decrypt": (ctypes.c_int, [cstr, cstr, cstr, sz, cstr]),
    "kb_pkcs7_pad": (sz, [cstr, sz, sz]),
    "kb_pkcs7_unpad": (ctypes.c_int, [cstr, sz, ctypes.POINTER(sz)]),
    "kb_secp256k1_priv_valid": (ctypes.c_int, [cstr]),
    "kb_secp256k1_pubkey": (ctypes.c_int, [cstr, cstr]),
    "kb_secp256k1_compress": (ctypes.c_int, [cstr, cstr]),
    "kb_secp256k1_ecdh_x": (ctypes.c_int, [cstr, cstr, cstr]),
    "kb_secp256k1_priv_tweak_add": (ctypes.c_int, [cstr, cstr, cstr]),
    "kb_bip32_from_seed": (ctypes.c_int, [cstr, sz, cstr]),
    "kb_bip32_ckd_priv": (ctypes.c_int, [cstr, ctypes.c_uint32]),
    "kb_bip32_path_valid": (ctypes.c_int, [cstr]),
    "kb_bip32_derive_path": (ctypes.c_int, [cstr, sz, cstr, cstr]),
    "kb_bip39_word_index": (ctypes.c_int, [cstr, sz]),
    "kb_bip39_from_entropy": (ctypes.c_int, [cstr, sz, cstr, sz]),
    "kb_bip39_check": (ctypes.c_int, [cstr]),
    "kb_bip39_seed": (None, [cstr, cstr, cstr]),
}


class Crypto:
    """Thin Python wrappers: bytes in, bytes (or (rc, bytes)) out."""

    def __init__(self, lib):
        self.lib = lib
        for name, (res, args) in SIGNATURES.items():
            fn = getattr(lib, name)
            fn.restype, fn.argtypes = res, args

    def _digest(self, name, data, n):
        out = ctypes.create_string_buffer(n)
        getattr(self.lib, name)(data, len(data), out)
        return out.raw

    def sha1(self, d): return self._digest("kb_sha1", d, 20)
    def sha256(self, d): return self._digest("kb_sha256", d, 32)
    def sha512(self, d): return self._digest("kb_sha512", d, 64)

    def stream(self, algo, chunks):
        """Hash a list of chunks through the init/update/final API."""
        ctx = (ctypes.c_uint64 * 64)()  # 512 aligned bytes, larger than either ctx
        n = 32 if algo == "sha256" else 64
        out = ctypes.create_string_buffer(n)
        getattr(self.lib, f"kb_{algo}_init")(ctx)
        for c in chunks:
            getattr(self.lib, f"kb_{algo}_update")(ctx, c, len(c))
        getattr(self.lib, f"kb_{algo}_final")(ctx, out)
        return out.raw

    def hmac(self, algo, key, msg):
        n = 32 if algo == "sha256" else 64
        out = ctypes.create_string_buffer(n)
        getattr(self.lib, f"kb_hmac_{algo}")(key, len(key), msg, len(msg), out)
        return out.raw

    def pbkdf2_sha512(self, pw, salt, iters, n):
        out = ctypes.create_string_buffer(n)
        self.lib.kb_pbkdf2_hmac_sha512(pw, len(pw), salt, len(salt), iters, out, n)
        return out.raw

    def cbc(self, decrypt, key, iv, data):
        out = ctypes.create_string_buffer(max(len(data), 1))
        fn = self.lib.kb_aes128_cbc_decrypt if decrypt else self.lib.kb_aes128_cbc_encrypt
        rc = fn(key, iv, data, len(data), out)
        return rc, out.raw[:len(data)]

    def pubkey(self, priv):
        out = ctypes.create_string_buffer(65)
        return self.lib.kb_secp256k1_pubkey(priv, out), out.raw

    def compress(self, pub):
        out = ctypes.create_string_buffer(33)
        return self.lib.kb_secp256k1_compress(pub, out), out.raw

    def ecdh_x(self, priv, pub):
        out = ctypes.create_string_buffer(32)
        return self.lib.kb_secp256k1_ecdh_x(priv, pub, out), out.raw

    def tweak_add(self, a, b):
        out = ctypes.create_string_buffer(32)
        return self.lib.kb_secp256k1_priv_tweak_add(a, b, out), out.raw

    def derive(self, seed, path):
        node = ctypes.create_string_buffer(64)  # kb_hdnode: key[32] || chain[32]
        rc = self.lib.kb_bip32_derive_path(seed, len(seed), path.encode(), node)
        return rc, node.raw[:32], node.raw[32:]

    def mnemonic(self, ent, cap=216):
        out = ctypes.create_string_buffer(cap)
        rc = self.lib.kb_bip39_from_entropy(ent, len(ent), out, cap)
        return rc, out.value.decode()

    def bip39_check(self, words):
        return self.lib.kb_bip39_check(words.encode())

    def bip39_seed(self, words, passphrase):
        out = ctypes.create_string_buffer(64)
        self.lib.kb_bip39_seed(words.encode(), passphrase.encode(), out)
        return out.raw


def build_host_lib():
    if not (shutil.which("gcc") or shutil.which("cc")):
        pytest.skip("no host C compiler (gcc/cc) on PATH: cannot build libkbcrypto.so")
    if not shutil.which("make"):
        pytest.skip("make is not installed: cannot build libkbcrypto.so")
    r = subprocess.run(["make", "-C", FW_TESTS, "host"], capture_output=True, text=True)
    assert r.returncode == 0, f"host build failed:\n{r.stdout}\n{r.stderr}"
    return LIB_PATH


@pytest.fixture(scope="session")
def kb():
    return Crypto(ctypes.CDLL(build_host_lib()))


B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _decode_xprv(s):
    """Base58Check-decode an xprv into (depth, child number, chain code, key)."""
    n = 0
    for ch in s:
        n = n * 58 + B58.index(ch)
    raw = n.to_bytes(82, "big")
    data, check = raw[:-4], raw[-4:]
    assert hashlib.sha256(hashlib.sha256(data).digest()).digest()[:4] == check
    assert data[:4] == bytes.fromhex("0488ade4") and data[45] == 0
    return data[4], int.from_bytes(data[9:13], "big"), data[13:45], data[46:78]


@pytest.fixture(scope="session")
def decode_xprv():
    """Fixture, not an import, so the helper works under any pytest import mode."""
    return _decode_xprv
