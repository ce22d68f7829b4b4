"""A user's backup journeys with software wallets, across phones (each phone is its own app storage).

These were Gherkin scenarios in features/backup/ until they were found to send no APDU: the app alone does them,
so they are unit tests now, and the feature keeps the journeys that involve the imKey. The finer refusals of each
flow are in tests/test_software_wallet.py and tests/test_keystore.py.
"""
import json
import uuid

import eth_keyfile
from bip_utils import Bip44, Bip44Changes, Bip44Coins
from mnemonic import Mnemonic

from keybench.rigs.app import accounts
from keybench.rigs.app.companion import CompanionApp
from keybench.rigs.app.secret import Secret
from keybench.rigs.app.software_wallet import SoftwareWallets

PASSWORD = Secret("journey-Pass-1")


def created_and_backed_up(wallets: SoftwareWallets):
    """Create a wallet, write its words down, put them back in order: what the user has in hand afterwards."""
    wallet = wallets.create("mine", PASSWORD)
    assert not wallet.backed_up
    words = wallet.backup_mnemonic(PASSWORD)
    wallet.confirm_backup(words)
    return wallet, words


def test_the_mnemonic_of_a_new_wallet_is_backed_up_and_restores_it_on_another_phone():
    wallet, words = created_and_backed_up(SoftwareWallets({}))
    assert len(words.words()) == 12 and Mnemonic("english").check(words.reveal())
    assert wallet.backed_up
    other = SoftwareWallets({})
    restored = other.import_mnemonic("restored", words, PASSWORD)
    assert restored.addresses() == wallet.addresses()
    assert other.with_address(wallet.address("ETH")) == restored


def test_the_private_key_of_a_new_wallet_gives_its_eth_address():
    wallet, words = created_and_backed_up(SoftwareWallets({}))
    key = wallet.export_private_key(PASSWORD)
    assert accounts.address("ETH", accounts.parse_private_key("ETH", key)) == wallet.address("ETH")
    node = Bip44.FromSeed(Mnemonic.to_seed(words.reveal(), ""), Bip44Coins.ETHEREUM).Purpose().Coin().Account(0)
    assert key.reveal() == node.Change(Bip44Changes.CHAIN_EXT).AddressIndex(0).PrivateKey().Raw().ToHex()


def test_the_keystore_a_wallet_exports_is_imtokens_and_opens_elsewhere_with_the_wallet_password():
    wallet, _ = created_and_backed_up(SoftwareWallets({}))
    text = wallet.export_keystore(PASSWORD)
    doc = json.loads(text)
    assert doc["version"] == 3 and uuid.UUID(doc["id"]).version == 4
    assert doc["address"] == wallet.address("ETH").lower().removeprefix("0x")
    params = doc["crypto"]["kdfparams"]
    assert (doc["crypto"]["kdf"], params["prf"], params["c"], params["dklen"]) == ("pbkdf2", "hmac-sha256", 262144, 32)
    opened = eth_keyfile.decode_keyfile_json(doc, PASSWORD.reveal().encode())  # an independent implementation
    assert accounts.address("ETH", opened) == wallet.address("ETH")
    second_phone = SoftwareWallets({})
    assert second_phone.import_keystore("ks", text, PASSWORD).address("ETH") == wallet.address("ETH")


def test_a_reinstall_loses_the_wallets_and_the_written_down_mnemonic_brings_them_back():
    app = CompanionApp("phone 1", link=None)
    wallet, words = created_and_backed_up(app.wallets)
    addresses = wallet.addresses()
    app.reinstall()
    assert len(app.wallets) == 0
    restored = app.wallets.import_mnemonic("restored", words, PASSWORD)
    assert restored.addresses() == addresses and restored.backed_up
