"""Web3 Secret Storage v3 keystores (rigs/app/keystore.py): the published vectors, imToken's format, interop with
eth-keyfile in both directions, and every way a keystore is refused."""
import copy
import json
import uuid

import eth_keyfile
import pytest
from eth_utils import keccak

from keybench.rigs.app import accounts, keystore
from keybench.rigs.app.keystore import KeystoreError
from keybench.rigs.app.secret import Secret

# https://ethereum.org/developers/docs/data-structures-and-encoding/web3-secret-storage/ (test vectors)
VECTOR_PASSWORD = "testpassword"
VECTOR_KEY = "7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d"
VECTOR_ADDRESS = "0x008AeEda4D805471dF9b2A5B0f38A0C3bCBA786b"
PBKDF2_VECTOR = {
    "crypto": {
        "cipher": "aes-128-ctr",
        "cipherparams": {"iv": "6087dab2f9fdbbfaddc31a909735c1e6"},
        "ciphertext": "5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46",
        "kdf": "pbkdf2",
        "kdfparams": {"c": 262144, "dklen": 32, "prf": "hmac-sha256",
                      "salt": "ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd"},
        "mac": "517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2",
    },
    "id": "3198bc9c-6672-5ab3-d995-4942343ae5b6",
    "version": 3,
}
SCRYPT_VECTOR = {
    "crypto": {
        "cipher": "aes-128-ctr",
        "cipherparams": {"iv": "83dbcc02d8ccb40e466191a123791e0e"},
        "ciphertext": "d172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c",
        "kdf": "scrypt",
        "kdfparams": {"dklen": 32, "n": 262144, "p": 8, "r": 1,
                      "salt": "ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19"},
        "mac": "2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097",
    },
    "id": "3198bc9c-6672-5ab3-d995-4942343ae5b6",
    "version": 3,
}


@pytest.mark.parametrize("vector", [PBKDF2_VECTOR, SCRYPT_VECTOR], ids=["pbkdf2", "scrypt"])
def test_the_published_vectors_decrypt_to_their_private_key(vector):
    assert keystore.decrypt(json.dumps(vector), VECTOR_PASSWORD).hex() == VECTOR_KEY
    assert keystore.decrypt_key(vector, Secret(VECTOR_PASSWORD)).hex() == VECTOR_KEY


def test_the_vector_with_its_address_field_names_the_right_address():
    doc = dict(PBKDF2_VECTOR, address="008aeeda4d805471df9b2a5b0f38a0c3bcba786b")
    assert keystore.decrypt_key(doc, VECTOR_PASSWORD).hex() == VECTOR_KEY
    assert accounts.address("ETH", bytes.fromhex(VECTOR_KEY)) == VECTOR_ADDRESS


def test_an_exported_keystore_is_imtokens_format():
    key = bytes.fromhex(VECTOR_KEY)
    doc = json.loads(keystore.encrypt_key(key, "an export password"))
    assert set(doc) == {"version", "id", "address", "crypto"}
    assert doc["version"] == 3
    assert uuid.UUID(doc["id"]).version == 4
    assert doc["address"] == VECTOR_ADDRESS[2:].lower()
    crypto = doc["crypto"]
    assert crypto["cipher"] == "aes-128-ctr" and len(bytes.fromhex(crypto["cipherparams"]["iv"])) == 16
    assert crypto["kdf"] == "pbkdf2"
    params = crypto["kdfparams"]
    assert {k: params[k] for k in ("c", "dklen", "prf")} == {"c": 262144, "dklen": 32, "prf": "hmac-sha256"}
    assert len(bytes.fromhex(params["salt"])) == 32
    # mac = keccak256(dk[16:32] || ciphertext), recomputed with other libraries than the module's own
    import hashlib
    dk = hashlib.pbkdf2_hmac("sha256", b"an export password", bytes.fromhex(params["salt"]), 262144, 32)
    assert keccak(dk[16:32] + bytes.fromhex(crypto["ciphertext"])).hex() == crypto["mac"]
    # and eth-keyfile, an independent implementation, opens it
    assert eth_keyfile.decode_keyfile_json(doc, b"an export password") == key


def test_two_exports_of_one_key_share_no_salt_iv_or_id():
    key = bytes.fromhex(VECTOR_KEY)
    first, second = (json.loads(keystore.encrypt_key(key, "same password")) for _ in range(2))
    assert first["id"] != second["id"]
    assert first["crypto"]["kdfparams"]["salt"] != second["crypto"]["kdfparams"]["salt"]
    assert first["crypto"]["cipherparams"]["iv"] != second["crypto"]["cipherparams"]["iv"]


@pytest.mark.parametrize("kdf, work", [("pbkdf2", 1000), ("scrypt", 1024)])
def test_keystores_written_by_eth_keyfile_import(kdf, work):
    key = bytes.fromhex(VECTOR_KEY)
    doc = eth_keyfile.create_keyfile_json(key, b"written elsewhere", kdf=kdf, iterations=work)
    assert doc["address"].lower() == VECTOR_ADDRESS[2:].lower()  # eth-keyfile writes a checksummed address
    assert keystore.decrypt_key(doc, "written elsewhere") == key


def test_old_files_spelling_crypto_with_a_capital_are_read():
    doc = copy.deepcopy(PBKDF2_VECTOR)
    doc["Crypto"] = doc.pop("crypto")
    assert keystore.decrypt(doc, VECTOR_PASSWORD).hex() == VECTOR_KEY


def test_a_wrong_password_is_a_mac_mismatch_named_password_incorrect():
    with pytest.raises(KeystoreError) as info:
        keystore.decrypt(PBKDF2_VECTOR, "testpassword2")
    assert info.value.kind == "password_incorrect"
    assert "MAC" in str(info.value) and "testpassword" not in str(info.value)


def _edited(change):
    doc = copy.deepcopy(PBKDF2_VECTOR)
    change(doc, doc["crypto"], doc["crypto"]["kdfparams"])
    return doc


def _flip(hex_text: str) -> str:
    return hex_text[:-1] + ("0" if hex_text[-1] != "0" else "1")


TAMPERED = {
    # what changed: (the edit, the kind refused, words the message must contain)
    "mac altered": (lambda d, c, p: c.update(mac=_flip(c["mac"])), "password_incorrect", "MAC"),
    "ciphertext altered": (lambda d, c, p: c.update(ciphertext=_flip(c["ciphertext"])), "password_incorrect", "MAC"),
    "iteration count changed": (lambda d, c, p: p.update(c=262145), "password_incorrect", "MAC"),
    "salt changed": (lambda d, c, p: p.update(salt=_flip(p["salt"])), "password_incorrect", "MAC"),
    "dklen 16": (lambda d, c, p: p.update(dklen=16), "kdf_params_invalid", "dklen must be 32"),
    "prf hmac-sha512": (lambda d, c, p: p.update(prf="hmac-sha512"), "kdf_params_invalid", "prf"),
    "c zero": (lambda d, c, p: p.update(c=0), "kdf_params_invalid", "c must be"),
    "c absurd": (lambda d, c, p: p.update(c=10**9), "kdf_params_invalid", "c must be"),
    "c a string": (lambda d, c, p: p.update(c="262144"), "kdf_params_invalid", "not an integer"),
    "c a boolean": (lambda d, c, p: p.update(c=True), "kdf_params_invalid", "not an integer"),
    "salt missing": (lambda d, c, p: p.pop("salt"), "kdf_params_invalid", "kdfparams.salt"),
    "salt empty": (lambda d, c, p: p.update(salt=""), "kdf_params_invalid", "salt is empty"),
    "scrypt with pbkdf2 params": (lambda d, c, p: c.update(kdf="scrypt"), "kdf_params_invalid", "kdfparams.n"),
    "scrypt n not a power of 2": (lambda d, c, p: c.update(kdf="scrypt", kdfparams=dict(
        SCRYPT_VECTOR["crypto"]["kdfparams"], n=1000)), "kdf_params_invalid", "power of 2"),
    "scrypt needing 1 GiB": (lambda d, c, p: c.update(kdf="scrypt", kdfparams=dict(
        SCRYPT_VECTOR["crypto"]["kdfparams"], n=1 << 20, r=8)), "kdf_params_invalid", "256 MiB"),
    "unknown kdf": (lambda d, c, p: c.update(kdf="argon2id"), "invalid_keystore", "kdf 'argon2id'"),
    "another cipher": (lambda d, c, p: c.update(cipher="aes-128-cbc"), "invalid_keystore", "cipher"),
    "version 4": (lambda d, c, p: d.update(version=4), "invalid_keystore", "version 4"),
    "version a string": (lambda d, c, p: d.update(version="3"), "invalid_keystore", "'version' is not an integer"),
    "id missing": (lambda d, c, p: d.pop("id"), "invalid_keystore", "missing field 'id'"),
    "id not a uuid": (lambda d, c, p: d.update(id="wallet-1"), "invalid_keystore", "not a UUID"),
    "crypto missing": (lambda d, c, p: d.pop("crypto"), "invalid_keystore", "missing field 'crypto'"),
    "mac missing": (lambda d, c, p: c.pop("mac"), "invalid_keystore", "crypto.mac"),
    "iv missing": (lambda d, c, p: c.update(cipherparams={}), "invalid_keystore", "cipherparams.iv"),
    "iv short": (lambda d, c, p: c["cipherparams"].update(iv="6087dab2"), "invalid_keystore", "16 bytes"),
    "mac short": (lambda d, c, p: c.update(mac="517ead92"), "invalid_keystore", "32 bytes"),
    "ciphertext not hex": (lambda d, c, p: c.update(ciphertext="zz" * 32), "invalid_keystore", "not a hex string"),
    "ciphertext empty": (lambda d, c, p: c.update(ciphertext=""), "invalid_keystore", "empty"),
    "another address": (lambda d, c, p: d.update(address="11" * 20), "invalid_keystore", "not the address"),
    "address too short": (lambda d, c, p: d.update(address="008aeeda"), "invalid_keystore", "20 bytes"),
}


@pytest.mark.parametrize("what", list(TAMPERED))
def test_a_tampered_keystore_is_refused_with_a_clear_error(what):
    change, kind, words = TAMPERED[what]
    with pytest.raises(KeystoreError) as info:
        keystore.decrypt_key(_edited(change), VECTOR_PASSWORD)
    assert info.value.kind == kind, f"{what}: {info.value}"
    assert words in str(info.value), f"{what}: {info.value}"
    assert VECTOR_PASSWORD not in str(info.value) and VECTOR_KEY not in str(info.value)


@pytest.mark.parametrize("text, words", [
    ("", "not JSON"),
    ('{"version": 3, "id": ', "not JSON"),
    ("[1, 2]", "not a JSON object"),
    ('"a string"', "not a JSON object"),
    (b"\xff\xfe", "not JSON"),
    ("{" + " " * keystore.MAX_JSON_CHARS + "}", "larger than"),
])
def test_what_is_not_a_keystore_json_object_is_refused(text, words):
    with pytest.raises(KeystoreError, match=words) as info:
        keystore.decrypt(text, VECTOR_PASSWORD)
    assert info.value.kind == "invalid_keystore"


def test_a_keystore_whose_content_is_not_a_private_key_is_refused():
    short = keystore.encrypt(b"\x01" * 31, "pw", iterations=16)
    with pytest.raises(KeystoreError, match="31 bytes, not 32"):
        keystore.decrypt_key(short, "pw")
    zero = keystore.encrypt(b"\x00" * 32, "pw", iterations=16)
    with pytest.raises(KeystoreError, match="not a valid secp256k1 private key"):
        keystore.decrypt_key(zero, "pw")
    assert keystore.decrypt(short, "pw") == b"\x01" * 31  # the plain container still opens


def test_the_input_is_not_modified():
    doc = copy.deepcopy(PBKDF2_VECTOR)
    doc["Crypto"] = doc.pop("crypto")
    before = copy.deepcopy(doc)
    keystore.decrypt(doc, VECTOR_PASSWORD)
    assert doc == before
