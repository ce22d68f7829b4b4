"""Property tests of what the app reads back from storage or from a user (rigs/app/keyfile.py, keystore.py): a
tampered key file gives a KeyFile or a ValueError; a tampered keystore gives its KeystoreError (kind
invalid_keystore, kdf_params_invalid or password_incorrect) and never names the password; never another exception.
"""
from __future__ import annotations

import copy
import functools
import json
import sys

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import fuzzkit
from keybench.rigs.app import keystore
from keybench.rigs.app.keyfile import PUB, SESSION, KeyFile
from keybench.rigs.app.keystore import KeystoreError

SEID, SN = "19060000000200860001010000000014", "imKey01191200001"
PASSWORD = "Fuzz-password-1"
KINDS = {"invalid_keystore", "kdf_params_invalid", "password_incorrect"}


@functools.cache
def sealed_key_file() -> bytes:
    return KeyFile(bytes(range(1, 33)), b"\x04" + bytes(range(64)), bytes(16)).seal(SEID, SN)


@st.composite
def tampered(draw, blob: bytes) -> bytes:
    """The blob with bytes flipped, cut, extended or replaced."""
    data = bytearray(blob)
    for _ in range(draw(st.integers(1, 3))):
        action = draw(st.sampled_from(["flip", "cut", "extend", "replace"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if action == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif action == "cut":
            del data[at:]
        elif action == "extend":
            data += draw(st.binary(min_size=1, max_size=40))
        else:
            data = bytearray(draw(st.binary(max_size=200)))
    return bytes(data)


@given(blob=tampered(sealed_key_file()), seid=st.sampled_from([SEID]) | st.text(max_size=40),
       sn=st.sampled_from([SN]) | st.text(max_size=20))
def test_a_tampered_key_file_opens_or_gives_a_value_error(blob, seid, sn):
    fuzzkit.COUNTS["key files opened"] += 1
    try:
        kf = KeyFile.open(blob, seid, sn)
    except ValueError:
        return
    assert len(kf.app_priv) == 32 and len(kf.se_pub) in (0, PUB) and len(kf.session_key) in (0, SESSION)


@functools.cache
def good_keystore() -> dict:
    # One pbkdf2 round: the checks under test do not depend on the KDF's cost, and fuzzing wants many examples.
    return json.loads(keystore.encrypt_key(bytes(range(1, 33)), PASSWORD, random_bytes=lambda n: bytes(n))
                      .replace('"c": 262144', '"c": 1'))


FIELDS = [(), ("crypto",), ("crypto", "kdfparams"), ("crypto", "cipherparams")]
small_json = st.recursive(
    st.none() | st.booleans() | st.integers(-1000, 1000) | st.floats(allow_nan=False) | st.text(max_size=20)
    | st.sampled_from(["pbkdf2", "scrypt", "hmac-sha256", "aes-128-ctr", "00" * 16, "0x" + "00" * 20, "", "zz"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6)


@st.composite
def tampered_keystores(draw):
    """The good keystore with a field removed, replaced, or its kdf switched, or its JSON text damaged."""
    doc = copy.deepcopy(good_keystore())
    for _ in range(draw(st.integers(1, 3))):
        where = doc
        for part in draw(st.sampled_from(FIELDS)):
            where = where.get(part) if isinstance(where, dict) else None
        if not isinstance(where, dict) or not where:
            continue
        key = draw(st.sampled_from(sorted(where)))
        action = draw(st.sampled_from(["drop", "replace", "scrypt"]))
        if action == "drop":
            del where[key]
        elif action == "replace":
            where[key] = draw(small_json)
        elif isinstance(doc.get("crypto"), dict):
            doc["crypto"]["kdf"] = "scrypt"
            doc["crypto"]["kdfparams"] = {"n": draw(st.sampled_from([2, 3, 16, 1024])), "r": draw(st.integers(0, 9)),
                                          "p": draw(st.integers(0, 3)), "dklen": 32, "salt": "00" * 32}
    text = json.dumps(doc)
    if draw(st.booleans()):
        text = draw(tampered(text.encode())).decode("utf-8", "replace")
    return text


@given(text=tampered_keystores() | st.text(max_size=300), password=st.sampled_from([PASSWORD, "wrong"]))
@example(text=json.dumps({"version": 3, "id": "x", "crypto": 1}), password=PASSWORD)
def test_a_tampered_keystore_gives_a_keystore_error(text, password):
    fuzzkit.COUNTS["keystores decrypted"] += 1
    try:
        key = keystore.decrypt_key(text, password)
    except KeystoreError as exc:
        assert exc.kind in KINDS, exc.kind
        assert PASSWORD not in str(exc), "a keystore error names the password"
        return
    assert key == bytes(range(1, 33)) and password == PASSWORD


# Found by the tests above (docs/fuzzing.md, "Findings"): JSON the parser itself refused with another exception.
def test_deeply_nested_json_is_an_invalid_keystore():
    # At Python's default recursion limit: a module imported earlier (py_ecc) may have raised it for the process,
    # which hides the problem in that process only.
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    try:
        with pytest.raises(KeystoreError):
            keystore.parse("[" * 50_000)
    finally:
        sys.setrecursionlimit(limit)


def test_a_huge_integer_is_an_invalid_keystore():
    with pytest.raises(KeystoreError):
        keystore.parse("1" * 5000)
