"""secp256k1 against `cryptography`, and the BIP-0032 test vectors 1-3."""
import ctypes
import random

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

P = 2**256 - 2**32 - 977
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
GX = 0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798
GY = 0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8


def b32(x):
    return x.to_bytes(32, "big")


def ref_pub(k):
    """Uncompressed public key of k according to `cryptography` (OpenSSL)."""
    pub = ec.derive_private_key(k, ec.SECP256K1()).public_key()
    return pub.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def test_pubkey_of_one_is_g_and_of_n_minus_one_is_minus_g(kb):
    assert kb.pubkey(b32(1)) == (0, b"\x04" + b32(GX) + b32(GY))
    assert kb.pubkey(b32(N - 1)) == (0, b"\x04" + b32(GX) + b32(P - GY))
    assert kb.pubkey(b32(2))[1] == ref_pub(2)


@pytest.mark.parametrize("k,ok", [(0, 0), (1, 1), (N - 1, 1), (N, 0), (N + 1, 0), (2**256 - 1, 0)])
def test_priv_valid_edges(kb, k, ok):
    assert kb.lib.kb_secp256k1_priv_valid(b32(k)) == ok
    rc, _ = kb.pubkey(b32(k))
    assert rc == (0 if ok else -1)


def test_random_pubkeys_and_compression(kb):
    rnd = random.Random(5)
    ks = [rnd.randrange(1, N) for _ in range(40)] + [2**255, N // 2, 0xFF, 2**128 + 1]
    for k in ks:
        rc, pub = kb.pubkey(b32(k))
        assert rc == 0 and pub == ref_pub(k), hex(k)
        ref = ec.derive_private_key(k, ec.SECP256K1()).public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)
        assert kb.compress(pub) == (0, ref)


def test_ecdh_matches_cryptography(kb):
    rnd = random.Random(6)
    for _ in range(20):
        a, b = rnd.randrange(1, N), rnd.randrange(1, N)
        pa = ec.derive_private_key(a, ec.SECP256K1())
        pb_pub = ec.derive_private_key(b, ec.SECP256K1()).public_key()
        want = pa.exchange(ec.ECDH(), pb_pub)
        assert kb.ecdh_x(b32(a), ref_pub(b)) == (0, want)
    # priv = n-1 times G is -G: same x as G
    assert kb.ecdh_x(b32(N - 1), ref_pub(1)) == (0, b32(GX))


def small_x_point():
    """A curve point with a small x, so x + p still fits in 32 bytes."""
    for x in range(1, 100):
        y = pow(x**3 + 7, (P + 1) // 4, P)
        if y * y % P == (x**3 + 7) % P:
            return x, y
    raise AssertionError("no small-x point")


def test_ecdh_and_compress_reject_bad_points(kb):
    good = ref_pub(7)
    off = bytearray(good)
    off[64] ^= 1  # y +- 1: not on the curve
    x, y = small_x_point()
    assert kb.ecdh_x(b32(3), b"\x04" + b32(x) + b32(y))[0] == 0  # the point itself is fine
    bad_points = [
        bytes(off),
        b"\x02" + good[1:],                # wrong prefix for 65 bytes
        b"\x04" + b32(0) + b32(0),
        b"\x04" + b32(x + P) + b32(y),     # same point mod p, but x >= p: not canonical
        b"\x04" + b32(x) + b32(P),         # y = p
        b"\x04" + b32(x) + b32(2**256 - 1),
        b"\x04" + b32(P) + b32(0),         # coordinates must be < p
    ]
    for pt in bad_points:
        assert kb.ecdh_x(b32(3), pt)[0] == -1, pt.hex()
        assert kb.compress(pt)[0] == -1, pt.hex()
    assert kb.ecdh_x(b32(0), good)[0] == -1
    assert kb.ecdh_x(b32(N), good)[0] == -1


def test_priv_tweak_add(kb):
    rnd = random.Random(7)
    for _ in range(50):
        a, b = rnd.randrange(1, N), rnd.randrange(0, N)
        assert kb.tweak_add(b32(a), b32(b)) == (0, b32((a + b) % N))
    assert kb.tweak_add(b32(N - 1), b32(2)) == (0, b32(1))
    assert kb.tweak_add(b32(5), b32(N - 5))[0] == -1  # sum is 0 mod n
    assert kb.tweak_add(b32(5), b32(N))[0] == -1      # tweak >= n (BIP32: invalid)
    assert kb.tweak_add(b32(N), b32(5))[0] == -1


# ---- BIP32 ------------------------------------------------------------------
# From BIP-0032, "Test Vectors" section: (seed hex, [(path, ext prv), ...])
BIP32_VECTORS = {
    1: ("000102030405060708090a0b0c0d0e0f", [
        ("m", "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi"),
        ("m/0'", "xprv9uHRZZhk6KAJC1avXpDAp4MDc3sQKNxDiPvvkX8Br5ngLNv1TxvUxt4cV1rGL5hj6KCesnDYUhd7oWgT11eZG7XnxHrnYeSvkzY7d2bhkJ7"),
        ("m/0'/1", "xprv9wTYmMFdV23N2TdNG573QoEsfRrWKQgWeibmLntzniatZvR9BmLnvSxqu53Kw1UmYPxLgboyZQaXwTCg8MSY3H2EU4pWcQDnRnrVA1xe8fs"),
        ("m/0'/1/2'", "xprv9z4pot5VBttmtdRTWfWQmoH1taj2axGVzFqSb8C9xaxKymcFzXBDptWmT7FwuEzG3ryjH4ktypQSAewRiNMjANTtpgP4mLTj34bhnZX7UiM"),
        ("m/0'/1/2'/2", "xprvA2JDeKCSNNZky6uBCviVfJSKyQ1mDYahRjijr5idH2WwLsEd4Hsb2Tyh8RfQMuPh7f7RtyzTtdrbdqqsunu5Mm3wDvUAKRHSC34sJ7in334"),
        ("m/0'/1/2'/2/1000000000", "xprvA41z7zogVVwxVSgdKUHDy1SKmdb533PjDz7J6N6mV6uS3ze1ai8FHa8kmHScGpWmj4WggLyQjgPie1rFSruoUihUZREPSL39UNdE3BBDu76"),
    ]),
    2: ("fffcf9f6f3f0edeae7e4e1dedbd8d5d2cfccc9c6c3c0bdbab7b4b1aeaba8a5a29f9c999693908d8a8784817e7b7875726f6c696663605d5a5754514e4b484542", [
        ("m", "xprv9s21ZrQH143K31xYSDQpPDxsXRTUcvj2iNHm5NUtrGiGG5e2DtALGdso3pGz6ssrdK4PFmM8NSpSBHNqPqm55Qn3LqFtT2emdEXVYsCzC2U"),
        ("m/0", "xprv9vHkqa6EV4sPZHYqZznhT2NPtPCjKuDKGY38FBWLvgaDx45zo9WQRUT3dKYnjwih2yJD9mkrocEZXo1ex8G81dwSM1fwqWpWkeS3v86pgKt"),
        ("m/0/2147483647'", "xprv9wSp6B7kry3Vj9m1zSnLvN3xH8RdsPP1Mh7fAaR7aRLcQMKTR2vidYEeEg2mUCTAwCd6vnxVrcjfy2kRgVsFawNzmjuHc2YmYRmagcEPdU9"),
        ("m/0/2147483647'/1", "xprv9zFnWC6h2cLgpmSA46vutJzBcfJ8yaJGg8cX1e5StJh45BBciYTRXSd25UEPVuesF9yog62tGAQtHjXajPPdbRCHuWS6T8XA2ECKADdw4Ef"),
        ("m/0/2147483647'/1/2147483646'", "xprvA1RpRA33e1JQ7ifknakTFpgNXPmW2YvmhqLQYMmrj4xJXXWYpDPS3xz7iAxn8L39njGVyuoseXzU6rcxFLJ8HFsTjSyQbLYnMpCqE2VbFWc"),
        ("m/0/2147483647'/1/2147483646'/2", "xprvA2nrNbFZABcdryreWet9Ea4LvTJcGsqrMzxHx98MMrotbir7yrKCEXw7nadnHM8Dq38EGfSh6dqA9QWTyefMLEcBYJUuekgW4BYPJcr9E7j"),
    ]),
    3: ("4b381541583be4423346c643850da4b320e46a87ae3d2a4e6da11eba819cd4acba45d239319ac14f863b8d5ab5a0d0c64d2e8a1e7d1457df2e5a3c51c73235be", [
        ("m", "xprv9s21ZrQH143K25QhxbucbDDuQ4naNntJRi4KUfWT7xo4EKsHt2QJDu7KXp1A3u7Bi1j8ph3EGsZ9Xvz9dGuVrtHHs7pXeTzjuxBrCmmhgC6"),
        ("m/0'", "xprv9uPDJpEQgRQfDcW7BkF7eTya6RPxXeJCqCJGHuCJ4GiRVLzkTXBAJMu2qaMWPrS7AANYqdq6vcBcBUdJCVVFceUvJFjaPdGZ2y9WACViL4L"),
    ]),
}
BIP32_CASES = [(v, seed, path, x) for v, (seed, rows) in BIP32_VECTORS.items() for path, x in rows]


@pytest.mark.parametrize("vec,seed,path,xprv", BIP32_CASES,
                         ids=[f"v{c[0]}:{c[2]}" for c in BIP32_CASES])
def test_bip32_vectors(kb, decode_xprv, vec, seed, path, xprv):
    depth, child, chain, key = decode_xprv(xprv)
    parts = path.split("/")[1:]
    assert depth == len(parts)
    if parts:  # the xprv's child number must be the last path component
        last = parts[-1]
        assert child == int(last.rstrip("'")) + (2**31 if last.endswith("'") else 0)
    rc, got_key, got_chain = kb.derive(bytes.fromhex(seed), path)
    assert rc == 0
    assert got_key.hex() == key.hex()
    assert got_chain.hex() == chain.hex()


def test_bip32_ckd_step_by_step_matches_derive_path(kb):
    seed = bytes.fromhex(BIP32_VECTORS[1][0])
    node = ctypes.create_string_buffer(64)
    assert kb.lib.kb_bip32_from_seed(seed, len(seed), node) == 0
    for idx in [0x80000000, 1, 0x80000002, 2, 1000000000]:
        assert kb.lib.kb_bip32_ckd_priv(node, idx) == 0
    rc, key, chain = kb.derive(seed, "m/0'/1/2'/2/1000000000")
    assert node.raw == key + chain


@pytest.mark.parametrize("path", ["m", "m/0", "m/0'", "m/44'/60'/0'/0/0", "m/2147483647'", "m/007"])
def test_bip32_good_paths(kb, path):
    assert kb.lib.kb_bip32_path_valid(path.encode()) == 1
    assert kb.derive(bytes(32), path)[0] == 0


@pytest.mark.parametrize("path", [
    "", "M", "m/", "/0", "m0", "m//0", "m/0/", "m/0''", "m/'", "m/a", "m/-1", "m/+1", "m/0h",
    "m/0H", "m/ 0", "m/0 ", " m/0", "m/2147483648", "m/2147483648'", "m/4294967296", "m/99999999999",
    "m/0/1x", "mm", "m'",
])
def test_bip32_malformed_paths(kb, path):
    assert kb.lib.kb_bip32_path_valid(path.encode()) == 0
    assert kb.derive(bytes(32), path)[0] == -1


def test_bip32_seed_length_limits(kb):
    node = ctypes.create_string_buffer(64)
    assert kb.lib.kb_bip32_from_seed(bytes(15), 15, node) == -1
    assert kb.lib.kb_bip32_from_seed(bytes(65), 65, node) == -1
    assert kb.lib.kb_bip32_from_seed(bytes(64), 64, node) == 0
