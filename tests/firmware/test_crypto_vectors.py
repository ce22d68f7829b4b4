"""Hashes, HMAC, PBKDF2, AES-128-CBC/PKCS7 and the imKey binding vectors."""
import ctypes
import hashlib
import hmac
import random

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

H = bytes.fromhex
ABC448 = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"

# FIPS 180 example messages: (message, SHA-1, SHA-256, SHA-512)
FIPS180 = [
    (b"abc", "a9993e364706816aba3e25717850c26c9cd0d89d",
     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
     "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"),
    (b"", "da39a3ee5e6b4b0d3255bfef95601890afd80709",
     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
     "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"),
    (ABC448, "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
     "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c335"
     "96fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445"),
]


@pytest.mark.parametrize("msg,s1,s256,s512", FIPS180, ids=["abc", "empty", "448bit"])
def test_fips180_vectors(kb, msg, s1, s256, s512):
    assert kb.sha1(msg).hex() == s1
    assert kb.sha256(msg).hex() == s256
    assert kb.sha512(msg).hex() == s512


def test_sha256_million_a(kb):
    want = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
    assert kb.sha256(b"a" * 1_000_000).hex() == want
    # and streamed in uneven pieces, so buffering across calls is exercised
    chunks = [b"a" * 1000, b"a" * 1, b"a" * 63, b"a" * 998_936]
    assert kb.stream("sha256", chunks).hex() == want


def test_hashes_match_hashlib_on_random_lengths(kb):
    rnd = random.Random(1)
    for n in list(range(0, 301)) + [511, 512, 1023, 4096 + 17]:
        d = rnd.randbytes(n)
        assert kb.sha1(d) == hashlib.sha1(d).digest(), n
        assert kb.sha256(d) == hashlib.sha256(d).digest(), n
        assert kb.sha512(d) == hashlib.sha512(d).digest(), n


def test_streaming_matches_one_shot(kb):
    rnd = random.Random(2)
    for _ in range(200):
        d = rnd.randbytes(rnd.randrange(0, 700))
        cuts = sorted(rnd.randrange(0, len(d) + 1) for _ in range(rnd.randrange(0, 6)))
        chunks = [d[a:b] for a, b in zip([0] + cuts, cuts + [len(d)], strict=True)]
        assert kb.stream("sha256", chunks) == hashlib.sha256(d).digest()
        assert kb.stream("sha512", chunks) == hashlib.sha512(d).digest()


# RFC 4231 test cases 1-4, 6, 7 (case 5 is a truncated MAC): key, data, SHA-256, SHA-512
RFC4231 = {
    1: (b"\x0b" * 20, b"Hi There",
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
        "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
        "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"),
    2: (b"Jefe", b"what do ya want for nothing?",
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
        "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"),
    3: (b"\xaa" * 20, b"\xdd" * 50,
        "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
        "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
        "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb"),
    4: (bytes(range(1, 26)), b"\xcd" * 50,
        "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
        "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db"
        "a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd"),
    6: (b"\xaa" * 131, b"Test Using Larger Than Block-Size Key - Hash Key First",
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
        "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
        "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"),
    7: (b"\xaa" * 131,
        b"This is a test using a larger than block-size key and a larger than "
        b"block-size data. The key needs to be hashed before being used by the HMAC algorithm.",
        "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
        "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944"
        "b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58"),
}


@pytest.mark.parametrize("case", sorted(RFC4231))
def test_rfc4231(kb, case):
    key, data, m256, m512 = RFC4231[case]
    assert kb.hmac("sha256", key, data).hex() == m256
    assert kb.hmac("sha512", key, data).hex() == m512


def test_hmac_matches_python_on_random_inputs(kb):
    rnd = random.Random(3)
    # key lengths around both block sizes (64 and 128): padded vs hashed keys
    for klen in [0, 1, 31, 63, 64, 65, 127, 128, 129, 200, 300]:
        for mlen in [0, 1, 55, 56, 64, 111, 112, 128, 255, 300]:
            k, m = rnd.randbytes(klen), rnd.randbytes(mlen)
            assert kb.hmac("sha256", k, m) == hmac.new(k, m, "sha256").digest(), (klen, mlen)
            assert kb.hmac("sha512", k, m) == hmac.new(k, m, "sha512").digest(), (klen, mlen)


@pytest.mark.parametrize("pw,salt,iters,n", [
    (b"password", b"salt", 1, 64),
    (b"password", b"salt", 2, 64),
    (b"password", b"salt", 4096, 64),
    (b"passwordPASSWORDpassword", b"saltSALTsaltSALTsaltSALTsaltSALTsalt", 50, 150),  # 3 blocks
    (b"", b"", 3, 10),
    (b"x" * 200, b"mnemonic" + b"TREZOR", 2048, 64),  # long password: hashed HMAC key
])
def test_pbkdf2_hmac_sha512(kb, pw, salt, iters, n):
    assert kb.pbkdf2_sha512(pw, salt, iters, n) == hashlib.pbkdf2_hmac("sha512", pw, salt, iters, n)


def test_aes128_fips197_c1(kb):
    key, pt = H("000102030405060708090a0b0c0d0e0f"), H("00112233445566778899aabbccddeeff")
    ct = ctypes.create_string_buffer(16)
    kb.lib.kb_aes128_encrypt_block(key, pt, ct)
    assert ct.raw.hex() == "69c4e0d86a7b0430d8cdb78070b4c55a"
    back = ctypes.create_string_buffer(16)
    kb.lib.kb_aes128_decrypt_block(key, ct.raw, back)
    assert back.raw == pt
    # CBC with a zero IV on one block is the same as ECB
    assert kb.cbc(False, key, bytes(16), pt) == (0, ct.raw)


def test_aes128_cbc_matches_cryptography(kb):
    rnd = random.Random(4)
    for nblocks in [0, 1, 2, 3, 7, 16]:
        key, iv, pt = rnd.randbytes(16), rnd.randbytes(16), rnd.randbytes(16 * nblocks)
        enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
        want = enc.update(pt) + enc.finalize()
        assert kb.cbc(False, key, iv, pt) == (0, want)
        assert kb.cbc(True, key, iv, want) == (0, pt)


def test_aes128_cbc_in_place_and_bad_length(kb):
    key, iv = bytes(range(16)), bytes(range(16, 32))
    pt = bytes(range(48))
    buf = ctypes.create_string_buffer(pt, 48)
    assert kb.lib.kb_aes128_cbc_encrypt(key, iv, buf, 48, buf) == 0
    assert buf.raw == kb.cbc(False, key, iv, pt)[1]
    assert kb.lib.kb_aes128_cbc_decrypt(key, iv, buf, 48, buf) == 0
    assert buf.raw == pt
    assert kb.cbc(False, key, iv, b"x" * 15)[0] == -1
    assert kb.cbc(True, key, iv, b"x" * 17)[0] == -1


def pad(kb, data, cap):
    buf = ctypes.create_string_buffer(data, max(cap, 1))
    n = kb.lib.kb_pkcs7_pad(buf, len(data), cap)
    return n, buf.raw[:n]


def unpad(kb, data):
    out = ctypes.c_size_t(12345)
    rc = kb.lib.kb_pkcs7_unpad(data, len(data), ctypes.byref(out))
    return rc, out.value


def test_pkcs7(kb):
    for n in range(0, 40):
        data = bytes(range(n))
        p = 16 - n % 16
        assert pad(kb, data, 64) == (n + p, data + bytes([p]) * p)
        assert unpad(kb, data + bytes([p]) * p) == (0, n)
    assert pad(kb, b"a" * 16, 31)[0] == 0  # needs 32 bytes
    assert pad(kb, b"a" * 15, 15)[0] == 0
    good = b"A" * 12 + b"\x04" * 4
    assert unpad(kb, good) == (0, 12)
    for bad in [b"A" * 15 + b"\x00", b"A" * 15 + b"\x11", b"A" * 13 + b"\x05\x04\x04",
                b"A" * 12 + b"\x03\x04\x04\x04", good[:15], b""]:
        assert unpad(kb, bad)[0] == -1, bad


def xor(a, b):
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def test_imkey_binding_vectors(kb):
    """From docs/imkey-facts.md, computed with the firmware's own SHA-256."""
    d = xor(kb.sha256(b"19060000000200860001010000000014"), kb.sha256(b"imKey01191200001"))
    assert d[:16].hex().upper() == "A49CDEDE0370D1543033E41A413EBC4E"
    assert d[16:].hex().upper() == "92AF372F64C10BAA942478560F91F346"
    iv = xor(kb.sha256(b"PVU3FY64"), kb.sha256(b"bindingCode"))[:16]
    assert iv.hex() == "4cf3169c9feb3567bfa2710716a8c778"
