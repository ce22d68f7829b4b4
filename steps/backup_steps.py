"""Steps about backing up software wallets in the app: the mnemonic, the private key, the keystore, the password.

Passwords are named in the Gherkin ("the wallet password", "a wrong password", ...) and kept here, so no secret
is written in a feature file, a test id or a report. What the user writes down or exports is kept in
`wallet_notes` as `Secret`s, which never print their value.
"""
from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass, field

import pytest
from mnemonic import Mnemonic
from pytest_bdd import given, parsers, then, when

from protocol.imkey import Aid
from protocol.status import StatusError
from rigs.app import accounts
from rigs.app.companion import AppError
from rigs.app.secret import Secret
from rigs.app.software_wallet import SoftwareWallet
from steps.context import ScenarioContext
from steps.phrases import PHRASES, app_on

PASSWORDS = {
    "the wallet password": "keybench-Wallet-pass-31",
    "the new password": "keybench-Reset-pass-58",
    "a wrong password": "keybench-Wrong-pass-77",
    "no password": "",
}
WALLET_NAME = "Backup test wallet"
IMKEY_PATHS = {"ETH": "m/44'/60'/0'/0/0", "BTC": "m/84'/0'/0'/0/0"}


class Password(Secret):
    """A password as the Gherkin names it; a report that shows a step's arguments shows only the name."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        super().__init__(PASSWORDS[name])
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.name}>"

    __str__ = __repr__


def password_named(text: str) -> Password:
    return Password(text)


password_named.pattern = "|".join(PASSWORDS)  # type: ignore[attr-defined]


def coin_name(text: str) -> str:
    return text


coin_name.pattern = r"ETH|BTC"  # type: ignore[attr-defined]

TYPES = dict(PHRASES, Password=password_named, Coin=coin_name)


def _edit(change):
    """A keystore edit on its parsed JSON."""
    def apply(text: str) -> str:
        doc = json.loads(text)
        change(doc["crypto"], doc)
        return json.dumps(doc)
    return apply


def _flip_hex(value: str) -> str:
    return value[:-1] + ("0" if value[-1] != "0" else "1")


# How a keystore can change between export and import (a bad copy, an edit, a forgery).
TAMPERING = {
    "its mac altered": _edit(lambda c, doc: c.update(mac=_flip_hex(c["mac"]))),
    "its ciphertext altered": _edit(lambda c, doc: c.update(ciphertext=_flip_hex(c["ciphertext"]))),
    "its kdf rounds changed": _edit(lambda c, doc: c["kdfparams"].update(c=c["kdfparams"]["c"] + 1)),
    "its dklen set to 16": _edit(lambda c, doc: c["kdfparams"].update(dklen=16)),
    "its version set to 4": _edit(lambda c, doc: doc.update(version=4)),
    "its mac field removed": _edit(lambda c, doc: c.pop("mac")),
    "its JSON cut short": lambda text: text[: len(text) // 2],
}


@dataclass
class WalletNotes:
    """What the user has in hand during a backup scenario (secrets only as `Secret`s)."""

    wallet: SoftwareWallet | None = None  # the software wallet the scenario set up
    addresses: dict[str, str] = field(default_factory=dict)  # that wallet's addresses, kept past a reinstall
    imported: SoftwareWallet | None = None  # the last wallet an import made
    words: Secret | None = None  # the mnemonic the user wrote down from the app
    other_words: Secret | None = None  # another wallet's mnemonic
    private_key: Secret | None = None  # the last private key exported or held
    keystore: str | None = None  # the last keystore exported


@pytest.fixture
def wallet_notes() -> WalletNotes:
    return WalletNotes()



def _wallet(notes: WalletNotes) -> SoftwareWallet:
    assert notes.wallet is not None, "the scenario has no software wallet yet"
    return notes.wallet


def _attempt(ctx: ScenarioContext, action):
    """Run an app action; an error the app shows is kept for a Then step, and the result is None."""
    try:
        result = action()
    except (AppError, StatusError) as exc:
        ctx.error = exc
        return None
    ctx.error = None
    return result


def _keep(notes: WalletNotes, wallet: SoftwareWallet) -> None:
    notes.wallet = wallet
    notes.addresses = wallet.addresses()


# Set-up
@given(parsers.parse("{app:App} has a new software wallet", extra_types=TYPES))
def new_software_wallet(phones, wallet_notes: WalletNotes, app: str):
    _keep(wallet_notes, app_on(phones, app).wallets.create(WALLET_NAME, Password("the wallet password")))


@given(parsers.parse("{app:App} has a software wallet whose mnemonic the user has backed up", extra_types=TYPES))
def backed_up_software_wallet(phones, ctx: ScenarioContext, wallet_notes: WalletNotes, app: str):
    new_software_wallet(phones, wallet_notes, app)
    back_up_mnemonic(ctx, wallet_notes, Password("the wallet password"))
    confirm_words(ctx, wallet_notes)
    assert ctx.error is None, f"backing up the mnemonic failed: {ctx.error}"


@given(parsers.parse("{app:App} has a software wallet imported from an ETH private key", extra_types=TYPES))
def key_software_wallet(phones, wallet_notes: WalletNotes, app: str):
    wallet_notes.private_key = Secret(accounts.generate_private_key(os.urandom).hex())
    wallets = app_on(phones, app).wallets
    _keep(wallet_notes, wallets.import_private_key(WALLET_NAME, wallet_notes.private_key,
                                                   Password("the wallet password")))


# Mnemonic backup
@when(parsers.parse("the user backs up the mnemonic with {password:Password}", extra_types=TYPES))
def back_up_mnemonic(ctx: ScenarioContext, wallet_notes: WalletNotes, password: Password):
    wallet_notes.words = _attempt(ctx, lambda: _wallet(wallet_notes).backup_mnemonic(password))


@when("the user confirms the words in the order written down")
def confirm_words(ctx: ScenarioContext, wallet_notes: WalletNotes):
    assert wallet_notes.words is not None, "no words were written down"
    _attempt(ctx, lambda: _wallet(wallet_notes).confirm_backup(wallet_notes.words))


@when("the user confirms the words with two of them swapped")
def confirm_swapped_words(ctx: ScenarioContext, wallet_notes: WalletNotes):
    assert wallet_notes.words is not None, "no words were written down"
    words = wallet_notes.words.words()
    first, second = next((i, j) for i in range(len(words)) for j in range(i + 1, len(words)) if words[i] != words[j])
    words[first], words[second] = words[second], words[first]
    _attempt(ctx, lambda: _wallet(wallet_notes).confirm_backup(Secret(" ".join(words))))


@then(parsers.parse("the app shows a valid {count:d}-word mnemonic"))
def shows_mnemonic(ctx: ScenarioContext, wallet_notes: WalletNotes, count: int):
    assert ctx.error is None, f"the app refused: {ctx.error}"
    assert wallet_notes.words is not None, "the app showed no words"
    shown, valid = len(wallet_notes.words.words()), Mnemonic("english").check(wallet_notes.words.reveal())
    assert shown == count, f"the app showed {shown} words, not {count}"
    assert valid, "the words are not a valid BIP39 mnemonic"


@then("the software wallet is backed up")
def is_backed_up(wallet_notes: WalletNotes):
    assert _wallet(wallet_notes).backed_up, "the wallet is not marked as backed up"


@then("the software wallet is not backed up")
def is_not_backed_up(wallet_notes: WalletNotes):
    assert not _wallet(wallet_notes).backed_up, "the wallet is marked as backed up"


# Advanced: exports
@when(parsers.parse("the user exports the {coin:Coin} private key with {password:Password}", extra_types=TYPES))
def export_private_key(ctx: ScenarioContext, wallet_notes: WalletNotes, coin: str, password: Password):
    wallet_notes.private_key = _attempt(ctx, lambda: _wallet(wallet_notes).export_private_key(password, coin))


@when(parsers.parse("the user exports the keystore with {password:Password}", extra_types=TYPES))
def export_keystore(ctx: ScenarioContext, wallet_notes: WalletNotes, password: Password):
    wallet_notes.keystore = _attempt(ctx, lambda: _wallet(wallet_notes).export_keystore(password))


@when(parsers.parse("the user exports the private key of BTC child address {index:d} with {password:Password}",
                    extra_types=TYPES))
def export_child_key(ctx: ScenarioContext, wallet_notes: WalletNotes, index: int, password: Password):
    wallet_notes.private_key = _attempt(ctx, lambda: _wallet(wallet_notes).export_child_private_key(password, index))


@then("nothing was exported")
def nothing_exported(wallet_notes: WalletNotes):
    held = {"words": wallet_notes.words, "private key": wallet_notes.private_key, "keystore": wallet_notes.keystore}
    assert not any(held.values()), f"the app handed out: {[name for name, v in held.items() if v]}"


def _address_of_exported(coin: str, key: Secret | None) -> str | None:
    """The address of an exported key, or None if it is not a key of that chain (no frame holds it in clear)."""
    try:
        return accounts.address(coin, accounts.parse_private_key(coin, key)) if key is not None else None
    except ValueError:
        return None


@then(parsers.parse("the exported private key gives the software wallet's {coin:Coin} address", extra_types=TYPES))
def key_gives_address(ctx: ScenarioContext, wallet_notes: WalletNotes, coin: str):
    assert ctx.error is None, f"the app refused: {ctx.error}"
    address = _address_of_exported(coin, wallet_notes.private_key)
    assert address == wallet_notes.addresses[coin], f"the exported key is not the {coin} account's: {address}"


@then(parsers.parse("the exported private key gives BTC child address {index:d}"))
def key_gives_child(ctx: ScenarioContext, wallet_notes: WalletNotes, index: int):
    assert ctx.error is None, f"the app refused: {ctx.error}"
    address = _address_of_exported("BTC", wallet_notes.private_key)
    child = _wallet(wallet_notes).child_addresses(index + 1)[index]
    assert address == child, f"the exported key gives {address}, not BTC child address {index} {child}"


def _eth_keyfile_opens(doc: dict, password: Password) -> str | None:
    """The ETH address of the key eth-keyfile (an independent implementation) finds in a keystore, or None."""
    import eth_keyfile  # here: it takes half a second to import, and only this check needs it

    try:
        return accounts.address("ETH", eth_keyfile.decode_keyfile_json(doc, password.reveal().encode()))
    except Exception:  # noqa: BLE001 - its errors may carry the password's bytes in their frames
        return None


@then("the keystore is Web3 Secret Storage version 3 as imToken writes it")
def keystore_format(wallet_notes: WalletNotes):
    assert wallet_notes.keystore is not None, "no keystore was exported"
    doc = json.loads(wallet_notes.keystore)
    crypto, params = doc["crypto"], doc["crypto"]["kdfparams"]
    assert doc["version"] == 3 and uuid.UUID(doc["id"]), f"version {doc['version']!r}, id {doc['id']!r}"
    assert doc["address"] == wallet_notes.addresses["ETH"].lower().removeprefix("0x"), f"address {doc['address']}"
    assert crypto["cipher"] == "aes-128-ctr" and len(bytes.fromhex(crypto["cipherparams"]["iv"])) == 16
    assert (crypto["kdf"], params["prf"], params["c"], params["dklen"]) == ("pbkdf2", "hmac-sha256", 262144, 32)
    assert len(bytes.fromhex(params["salt"])) == 32, "the salt is not 32 bytes"
    opened = _eth_keyfile_opens(doc, Password("the wallet password"))
    assert opened == wallet_notes.addresses["ETH"], f"eth-keyfile finds {opened} in it with the wallet password"


@when(parsers.parse("the keystore arrives with {change}"))
def tamper_keystore(wallet_notes: WalletNotes, change: str):
    assert wallet_notes.keystore is not None, "no keystore was exported"
    wallet_notes.keystore = TAMPERING[change](wallet_notes.keystore)


# Imports
@when(parsers.parse("{app:App} imports the keystore with {password:Password}", extra_types=TYPES))
def import_keystore(phones, ctx: ScenarioContext, wallet_notes: WalletNotes, app: str, password: Password):
    assert wallet_notes.keystore is not None, "no keystore was exported"
    wallets = app_on(phones, app).wallets
    wallet_notes.imported = _attempt(ctx, lambda: wallets.import_keystore(WALLET_NAME, wallet_notes.keystore,
                                                                           password))


@when(parsers.parse("{app:App} imports the written-down mnemonic with {password:Password}", extra_types=TYPES))
def import_mnemonic(phones, ctx: ScenarioContext, wallet_notes: WalletNotes, app: str, password: Password):
    assert wallet_notes.words is not None, "no words were written down"
    wallets = app_on(phones, app).wallets
    wallet_notes.imported = _attempt(ctx, lambda: wallets.import_mnemonic(WALLET_NAME, wallet_notes.words, password))


@when(parsers.parse("{app:App} imports the words written down from the device with {password:Password}",
                    extra_types=TYPES))
def import_device_words(phones, ctx: ScenarioContext, wallet_notes: WalletNotes, app: str, password: Password):
    assert ctx.words, "no words were written down from the device"
    wallets = app_on(phones, app).wallets
    words = Secret(" ".join(ctx.words))
    wallet_notes.imported = _attempt(ctx, lambda: wallets.import_mnemonic(WALLET_NAME, words, password))


@then(parsers.parse("{app:App} has a software wallet with the same ETH address", extra_types=TYPES))
def has_same_wallet(phones, ctx: ScenarioContext, wallet_notes: WalletNotes, app: str):
    assert ctx.error is None, f"the app refused: {ctx.error}"
    found = app_on(phones, app).wallets.with_address(wallet_notes.addresses["ETH"])
    assert found.address("ETH") == wallet_notes.addresses["ETH"]


@then(parsers.parse("{app:App} has no software wallet", extra_types=TYPES))
def has_no_wallet(phones, app: str):
    wallets = app_on(phones, app).wallets
    assert len(wallets) == 0, f"{app} holds {wallets.all()}"


# Forgotten password
@when(parsers.parse("the user resets the wallet password to {password:Password} with the written-down mnemonic",
                    extra_types=TYPES))
def reset_with_mnemonic(ctx: ScenarioContext, wallet_notes: WalletNotes, password: Password):
    _attempt(ctx, lambda: _wallet(wallet_notes).reset_password(password, mnemonic=wallet_notes.words))


@when(parsers.parse("the user resets the wallet password to {password:Password} with the private key",
                    extra_types=TYPES))
def reset_with_key(ctx: ScenarioContext, wallet_notes: WalletNotes, password: Password):
    _attempt(ctx, lambda: _wallet(wallet_notes).reset_password(password, private_key=wallet_notes.private_key))
    wallet_notes.private_key = None  # what comes next must be exported again


@when(parsers.parse("the user resets the wallet password to {password:Password} with another wallet's mnemonic",
                    extra_types=TYPES))
def reset_with_other_mnemonic(ctx: ScenarioContext, wallet_notes: WalletNotes, password: Password):
    wallet_notes.other_words = Secret(Mnemonic("english").generate(128))
    _attempt(ctx, lambda: _wallet(wallet_notes).reset_password(password, mnemonic=wallet_notes.other_words))


# What each account offers
@then(parsers.parse('the software wallet\'s {coin:Coin} account offers "{options}" under "Advanced"',
                    extra_types=TYPES))
def advanced_offers(wallet_notes: WalletNotes, coin: str, options: str):
    offered = _wallet(wallet_notes).advanced_options(coin)
    assert offered == tuple(options.split(", ")), f"the {coin} account offers {offered} under Advanced"


@then(parsers.parse('the software wallet\'s {coin:Coin} account has no "Advanced" option', extra_types=TYPES))
def no_advanced(wallet_notes: WalletNotes, coin: str):
    offered = _wallet(wallet_notes).advanced_options(coin)
    assert offered == (), f"the {coin} account offers {offered} under Advanced"


@then(parsers.parse('the software wallet\'s {coin:Coin} sub-addresses offer "{options}"', extra_types=TYPES))
def sub_address_offers(wallet_notes: WalletNotes, coin: str, options: str):
    offered = _wallet(wallet_notes).sub_address_options(coin)
    assert offered == tuple(options.split(", ")), f"the {coin} sub-addresses offer {offered}"


@then(parsers.parse('the imKey {coin:Coin} account in {app:App} has no "Advanced" option', extra_types=TYPES))
def imkey_no_advanced(phones, app: str, coin: str):
    device_app = app_on(phones, app)
    assert device_app.address(Aid[coin], IMKEY_PATHS[coin]), f"the app shows no imKey {coin} account"
    offered = device_app.advanced_options(Aid[coin])
    assert offered == (), f"the imKey {coin} account offers {offered} under Advanced"


@then(parsers.parse("the imported wallet has the same {coin:Coin} address as the imKey account in {app:App}",
                    extra_types=TYPES))
def imported_matches_imkey(phones, ctx: ScenarioContext, wallet_notes: WalletNotes, coin: str, app: str):
    assert ctx.error is None, f"the app refused: {ctx.error}"
    assert wallet_notes.imported is not None, "nothing was imported"
    on_device = app_on(phones, app).address(Aid[coin], IMKEY_PATHS[coin])
    assert wallet_notes.imported.address(coin) == on_device, f"the imKey {coin} address is {on_device}"
