"""Software wallets in the companion app (rigs/app/software_wallet.py): keys as bip-utils derives them on its own,
exports behind the password, refusals that leave the app as it was, and no secret in storage, reprs or errors."""
import copy
import json
import pickle

import pytest
from bip_utils import Bip44, Bip44Changes, Bip44Coins, Bip84, Bip84Coins, WifEncoder
from mnemonic import Mnemonic

from keybench.protocol import imkey
from keybench.rigs.app import accounts, keystore
from keybench.rigs.app.companion import AppError, CompanionApp
from keybench.rigs.app.secret import Secret
from keybench.rigs.app.software_wallet import SoftwareWallets
from keybench.rigs.device_user import DeviceUser
from keybench.rigs.hands import DebugLinkHands
from keybench.rigs.link import Link
from keybench.rigs.targets.sim import LoopbackTransport
from keybench.simulator.device import Device
from keybench.simulator.server import StreamEndpoint

PASSWORD = "unit-test-Pass-1"
NEW_PASSWORD = "unit-test-Pass-2"
WRONG = "unit-test-Pass-9"
PHRASE = "legal winner thank year wave sausage worth useful legal winner thank yellow"


def bip44_eth(phrase: str):
    seed = Mnemonic.to_seed(phrase, "")
    return Bip44.FromSeed(seed, Bip44Coins.ETHEREUM).Purpose().Coin().Account(0).Change(
        Bip44Changes.CHAIN_EXT).AddressIndex(0)


def bip84_btc(phrase: str, index: int):
    seed = Mnemonic.to_seed(phrase, "")
    return Bip84.FromSeed(seed, Bip84Coins.BITCOIN).Purpose().Coin().Account(0).Change(
        Bip44Changes.CHAIN_EXT).AddressIndex(index)


def refused(kind: str, action, *args, **kwargs) -> AppError:
    with pytest.raises(AppError) as info:
        action(*args, **kwargs)
    assert info.value.kind == kind, str(info.value)
    return info.value


@pytest.fixture
def storage() -> dict:
    return {}


@pytest.fixture
def wallets(storage) -> SoftwareWallets:
    return SoftwareWallets(storage)


@pytest.fixture
def imported(wallets):
    return wallets.import_mnemonic("known", PHRASE, PASSWORD)


# Create and import
def test_a_new_wallet_has_a_fresh_12_word_mnemonic_and_the_addresses_bip_utils_derives(wallets):
    wallet = wallets.create("mine", PASSWORD)
    words = wallet.backup_mnemonic(PASSWORD)
    assert len(words.words()) == 12 and Mnemonic("english").check(words.reveal())
    assert wallet.address("ETH") == bip44_eth(words.reveal()).PublicKey().ToAddress()
    assert wallet.address("BTC") == bip84_btc(words.reveal(), 0).PublicKey().ToAddress()
    assert wallet.source == "mnemonic" and not wallet.backed_up
    other = wallets.create("second", PASSWORD)
    assert other.backup_mnemonic(PASSWORD) != words


def test_a_mnemonic_is_read_as_typed_case_and_spaces_aside(wallets):
    wallet = wallets.import_mnemonic("typed", "  " + PHRASE.upper().replace(" ", "   ") + "\n", PASSWORD)
    assert wallet.address("ETH") == bip44_eth(PHRASE).PublicKey().ToAddress()
    assert wallet.backup_mnemonic(PASSWORD).reveal() == PHRASE


def test_the_eth_private_key_is_the_bip44_key(imported):
    key = imported.export_private_key(PASSWORD, "ETH")
    assert key.reveal() == bip44_eth(PHRASE).PrivateKey().Raw().ToHex()


def test_btc_exports_only_child_address_keys(imported):
    assert imported.advanced_options("BTC") == ()
    assert imported.sub_address_options("BTC") == ("Export Private Key",)
    refused("export_not_supported", imported.export_private_key, PASSWORD, "BTC")
    refused("export_not_supported", imported.export_keystore, PASSWORD, "BTC")
    children = imported.child_addresses(3)
    for index in range(3):
        node = bip84_btc(PHRASE, index)
        assert children[index] == node.PublicKey().ToAddress()
        assert imported.export_child_private_key(PASSWORD, index).reveal() == node.PrivateKey().ToWif()
    assert imported.advanced_options("ETH") == ("Export Private Key", "Export Keystore")
    refused("export_not_supported", imported.export_child_private_key, PASSWORD, 0, "ETH")


def test_an_eth_private_key_imports_with_or_without_0x(wallets):
    key = bip44_eth(PHRASE).PrivateKey().Raw().ToHex()
    wallet = wallets.import_private_key("key", "0x" + key.upper(), PASSWORD)
    assert wallet.address("ETH") == bip44_eth(PHRASE).PublicKey().ToAddress()
    assert wallet.chains() == ["ETH"] and wallet.source == "private_key" and wallet.backed_up
    assert wallet.export_private_key(PASSWORD).reveal() == key
    refused("illegal_argument", wallet.backup_mnemonic, PASSWORD)


def test_a_btc_wif_imports_as_one_segwit_address(wallets):
    node = bip84_btc(PHRASE, 5)
    wallet = wallets.import_private_key("btc", Secret(node.PrivateKey().ToWif()), PASSWORD, chain="BTC")
    assert wallet.child_addresses(5) == [node.PublicKey().ToAddress()]
    assert wallet.export_child_private_key(PASSWORD, 0).reveal() == node.PrivateKey().ToWif()
    refused("account_not_found", wallet.export_child_private_key, PASSWORD, 1)
    refused("account_not_found", wallet.export_private_key, PASSWORD, "ETH")


@pytest.mark.parametrize("text", [
    "", "12" * 31, "zz" * 32, "00" * 32,
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141",  # the group order
])
def test_a_bad_eth_private_key_is_refused_without_quoting_it(wallets, storage, text):
    error = refused("invalid_private_key", wallets.import_private_key, "bad", text, PASSWORD)
    assert not text or text not in str(error)
    assert storage == {}


def test_an_uncompressed_or_testnet_wif_is_refused(wallets):
    uncompressed = "5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ"
    refused("invalid_private_key", wallets.import_private_key, "btc", uncompressed, PASSWORD, chain="BTC")
    testnet = WifEncoder.Encode(bip84_btc(PHRASE, 0).PrivateKey().Raw().ToBytes(), net_ver=b"\xef")
    refused("invalid_private_key", wallets.import_private_key, "btc", testnet, PASSWORD, chain="BTC")


@pytest.mark.parametrize("words", [
    " ".join(PHRASE.split()[:11]),
    PHRASE.replace("yellow", "yellowx"),
    PHRASE.replace("yellow", "year"),  # bad checksum
])
def test_a_bad_mnemonic_is_refused_without_quoting_it(wallets, storage, words):
    error = refused("invalid_mnemonic", wallets.import_mnemonic, "bad", words, PASSWORD)
    assert "legal" not in str(error) and "yellow" not in str(error)
    assert storage == {}


def test_a_wallet_password_has_at_least_8_characters(wallets, storage):
    refused("illegal_argument", wallets.create, "short", "1234567")
    refused("illegal_argument", wallets.import_mnemonic, "short", PHRASE, "")
    assert storage == {}


def test_the_same_wallet_is_not_imported_twice(wallets, imported):
    key = imported.export_private_key(PASSWORD)
    refused("wallet_exists", wallets.import_mnemonic, "again", PHRASE, NEW_PASSWORD)
    refused("wallet_exists", wallets.import_private_key, "again", key, NEW_PASSWORD)
    assert len(wallets) == 1


# The password guards every export
def test_a_wrong_password_exports_nothing_and_changes_nothing(imported, storage):
    before = copy.deepcopy(storage)
    for action, args in [(imported.backup_mnemonic, ()), (imported.export_private_key, ()),
                         (imported.export_keystore, ()), (imported.export_child_private_key, (0,))]:
        refused("password_incorrect", action, WRONG, *args)
    assert storage == before


# Keystores between phones
def test_a_keystore_exported_on_one_phone_imports_on_another_with_its_password(imported, storage):
    exported = imported.export_keystore(PASSWORD)
    assert keystore.decrypt_key(exported, PASSWORD).hex() == imported.export_private_key(PASSWORD).reveal()
    other = SoftwareWallets({})
    refused("illegal_argument", other.import_keystore, "ks", exported, "")
    refused("password_incorrect", other.import_keystore, "ks", exported, WRONG)
    assert len(other) == 0
    wallet = other.import_keystore("ks", exported, PASSWORD)
    assert wallet.address("ETH") == imported.address("ETH") and wallet.source == "keystore"
    assert wallet.export_private_key(PASSWORD) == imported.export_private_key(PASSWORD)


def test_the_published_pbkdf2_vector_imports_to_its_address(wallets):
    vector = {
        "crypto": {
            "cipher": "aes-128-ctr", "cipherparams": {"iv": "6087dab2f9fdbbfaddc31a909735c1e6"},
            "ciphertext": "5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46",
            "kdf": "pbkdf2",
            "kdfparams": {"c": 262144, "dklen": 32, "prf": "hmac-sha256",
                          "salt": "ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd"},
            "mac": "517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2",
        },
        "id": "3198bc9c-6672-5ab3-d995-4942343ae5b6", "version": 3,
    }
    wallet = wallets.import_keystore("vector", json.dumps(vector), "testpassword")
    assert wallet.address("ETH") == "0x008AeEda4D805471dF9b2A5B0f38A0C3bCBA786b"
    assert wallet.export_private_key("testpassword").reveal() == (
        "7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d")


def _edited(change):
    """A keystore edit on its parsed JSON (doc, crypto)."""
    def apply(text: str) -> str:
        doc = json.loads(text)
        change(doc, doc["crypto"])
        return json.dumps(doc)
    return apply


def _flip_last_hex_digit(value: str) -> str:
    return value[:-1] + ("0" if value[-1] != "0" else "1")


@pytest.mark.parametrize("edit, kind", [
    (lambda text: text[:-2], "invalid_keystore"),
    (lambda text: text[: len(text) // 2], "invalid_keystore"),
    (lambda text: text.replace('"version": 3', '"version": 1'), "invalid_keystore"),
    (_edited(lambda doc, c: doc.update(version=4)), "invalid_keystore"),
    (lambda text: text.replace('"dklen": 32', '"dklen": 64'), "kdf_params_invalid"),
    (_edited(lambda doc, c: c["kdfparams"].update(dklen=16)), "kdf_params_invalid"),
    (lambda text: text.replace('"c": 262144', '"c": 262143'), "password_incorrect"),
    (_edited(lambda doc, c: c.update(mac=_flip_last_hex_digit(c["mac"]))), "password_incorrect"),
    (_edited(lambda doc, c: c.update(ciphertext=_flip_last_hex_digit(c["ciphertext"]))), "password_incorrect"),
    (lambda text: text.replace('"mac": ', '"nac": '), "invalid_keystore"),
    (_edited(lambda doc, c: c.pop("mac")), "invalid_keystore"),
], ids=["cut short", "cut in half", "version 1", "version 4", "dklen 64", "dklen 16", "c changed", "mac altered",
        "ciphertext altered", "mac renamed", "mac removed"])
def test_a_tampered_keystore_leaves_the_app_as_it_was(imported, edit, kind):
    exported = imported.export_keystore(PASSWORD)
    other_storage = {"keyfile/x": b"kept"}
    other = SoftwareWallets(other_storage)
    kept = other.import_private_key("kept", bip84_btc(PHRASE, 1).PrivateKey().ToWif(), NEW_PASSWORD, chain="BTC")
    before = copy.deepcopy(other_storage)
    tampered = edit(exported)
    assert tampered != exported
    error = refused(kind, other.import_keystore, "ks", tampered, PASSWORD)
    assert PASSWORD not in str(error)
    assert other_storage == before and other.all() == [kept]


# Mnemonic backup check
def test_the_backup_check_wants_the_words_in_their_order(wallets):
    wallet = wallets.create("mine", PASSWORD)
    refused("illegal_argument", wallet.confirm_backup, "abandon " * 12)  # nothing was shown yet
    words = wallet.backup_mnemonic(PASSWORD).words()
    swapped = words[1:2] + words[:1] + words[2:]
    if swapped == words:
        swapped = words[2:3] + words[1:2] + words[:1] + words[3:]
    refused("mnemonic_check_failed", wallet.confirm_backup, swapped)
    assert not wallet.backed_up
    wallet.confirm_backup(words)
    assert wallet.backed_up
    assert SoftwareWallets(wallets._storage).all()[0].backed_up  # it is stored, not just remembered


# Forgotten password
def test_the_mnemonic_resets_a_forgotten_password(imported):
    refused("illegal_argument", imported.reset_password, "short")
    refused("wallet_mismatch", imported.reset_password, NEW_PASSWORD,
            mnemonic="abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about")
    imported.export_private_key(PASSWORD)  # a refused reset keeps the old password
    key = Secret(imported.export_private_key(PASSWORD).reveal())
    refused("mnemonic_required", imported.reset_password, NEW_PASSWORD, private_key=key)
    refused("illegal_argument", imported.reset_password, NEW_PASSWORD)
    imported.reset_password(NEW_PASSWORD, mnemonic=Secret(PHRASE))
    refused("password_incorrect", imported.export_private_key, PASSWORD)
    assert imported.export_private_key(NEW_PASSWORD) == key


def test_the_private_key_resets_a_forgotten_password(wallets):
    key = bip44_eth(PHRASE).PrivateKey().Raw().ToHex()
    wallet = wallets.import_private_key("key", key, PASSWORD)
    other = bip44_eth("abandon " * 11 + "about").PrivateKey().Raw().ToHex()
    refused("wallet_mismatch", wallet.reset_password, NEW_PASSWORD, private_key=other)
    refused("illegal_argument", wallet.reset_password, NEW_PASSWORD, mnemonic=PHRASE)
    wallet.reset_password(NEW_PASSWORD, private_key=key)
    refused("password_incorrect", wallet.export_keystore, PASSWORD)
    assert keystore.decrypt_key(wallet.export_keystore(NEW_PASSWORD), NEW_PASSWORD).hex() == key


# The phone's storage
def test_the_storage_holds_no_secret_in_clear_and_a_reinstall_loses_the_wallets():
    app = CompanionApp("phone 1", link=None)
    wallet = app.wallets.import_mnemonic("known", PHRASE, PASSWORD)
    key = wallet.export_private_key(PASSWORD).reveal()
    blob = b"".join(app.storage.values())
    for secret in (PHRASE, "legal winner", key, PASSWORD):
        assert secret.encode() not in blob
    assert bytes.fromhex(key) not in blob
    app.reinstall()
    assert len(app.wallets) == 0 and app.wallets.all() == []
    refused("wallet_not_found", wallet.export_private_key, PASSWORD)


def test_no_secret_shows_in_reprs_or_errors(wallets):
    wallet = wallets.import_mnemonic("known", PHRASE, PASSWORD)
    words = wallet.backup_mnemonic(PASSWORD)
    key = wallet.export_private_key(PASSWORD)
    wif = wallet.export_child_private_key(PASSWORD, 0)
    errors = [refused("password_incorrect", wallet.export_private_key, WRONG),
              refused("invalid_mnemonic", wallets.import_mnemonic, "x", PHRASE[:-1], PASSWORD),
              refused("wallet_exists", wallets.import_mnemonic, "x", PHRASE, PASSWORD)]
    shown = [repr(wallet), str(wallet), repr(wallets), repr(words), str(key), f"{wif}", f"{key:>20}",
             repr([words, key]), repr({"k": key})] + [str(e) for e in errors] + [repr(e) for e in errors]
    text = "\n".join(shown)
    for secret in (PHRASE, "legal winner thank", key.reveal(), wif.reveal(), PASSWORD, WRONG):
        assert secret not in text
    assert wallet.address("ETH") in repr(wallet)  # addresses are not secret
    assert "<secret: 12 words>" in repr(words)
    with pytest.raises(TypeError):
        pickle.dumps(key)


def test_secrets_compare_by_value_and_keep_it_until_revealed():
    assert Secret("abc") == Secret("abc") and Secret("abc") != Secret("abd")
    assert Secret("abc") != "abc"  # a secret never equals a plain string by accident
    assert Secret("abc").reveal() == "abc"
    with pytest.raises(TypeError):
        hash(Secret("abc"))


# The hardware (imKey) account
def test_an_imkey_account_offers_no_advanced_export_and_exists_only_once_paired():
    link = Link(LoopbackTransport(StreamEndpoint(Device(seed=3))))
    user = DeviceUser(DebugLinkHands(link))
    user.set_pin("123456")
    user.create_wallet(12)
    app = CompanionApp("phone 1", link, entropy=b"\x00" * 8)
    refused("not_connected", app.advanced_options, imkey.Aid.ETH)
    app.connect()
    app.show_binding_code_on_device()
    app.bind(user.read_binding_code())
    assert app.advanced_options(imkey.Aid.ETH) == ()
    assert app.advanced_options(imkey.Aid.BTC) == ()
    assert accounts.advanced_options("software", "ETH") != ()  # the table tells custody apart


def test_a_seeded_app_creates_the_same_wallet_on_every_run_and_an_unseeded_one_does_not():
    def created_words(entropy: bytes) -> str:
        app = CompanionApp("phone 1", link=None, entropy=entropy)
        return app.wallets.create("new", PASSWORD).backup_mnemonic(PASSWORD).reveal()

    assert created_words(b"seed 1") == created_words(b"seed 1")
    assert created_words(b"seed 1") != created_words(b"seed 2")
    assert created_words(b"") != created_words(b"")
