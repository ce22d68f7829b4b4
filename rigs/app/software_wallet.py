"""Software (app-held) wallets on one phone: create, import, back up, export behind the password, reset it.

All of it lives in the phone's storage (CompanionApp.storage) under "wallet/<id>", so a reinstall loses it. The
secret (the mnemonic, or a private key) is stored only encrypted with the wallet password, in a keystore-v3
"vault"; the wallet objects hold no secret, and every flow that needs one asks for the password. A wrong
password is `password_incorrect` and gives nothing. Secrets handed back to the user are `Secret`s (redacted in
repr), and passwords and secrets may be passed in as `Secret`s too; no error message quotes a password, a word
or a key.

Errors are `AppError`s with the kinds of the imKey/token-core SDK where one exists: password_incorrect,
invalid_mnemonic, invalid_private_key, invalid_keystore, kdf_params_invalid, wallet_not_found, illegal_argument;
and wallet_exists, mnemonic_check_failed, export_not_supported, wallet_mismatch, mnemonic_required.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Callable, Iterator
from typing import Any

from keybench.rigs.app import accounts, keystore
from keybench.rigs.app.accounts import BTC, ETH
from keybench.rigs.app.companion import AppError
from keybench.rigs.app.secret import Secret, plain

STORAGE_PREFIX = "wallet/"
PASSWORD_MIN_CHARS = 8
# The phone's own vault: the same format as an exported keystore, with token-core's lighter 10240 rounds (the
# exported keystore uses 262144). The count is stored in each vault, so changing it keeps old vaults readable.
VAULT_ITERATIONS = 10240
MNEMONIC = "mnemonic"
PRIVATE_KEY = "private_key"
KEYSTORE = "keystore"


class SoftwareWallets:
    """The software wallets of one app install (imToken's wallet list)."""

    def __init__(self, storage: dict[str, bytes], random_bytes: Callable[[int], bytes] = os.urandom):
        self._storage = storage
        self._random = random_bytes
        self._shown_words: dict[str, bytes] = {}  # wallet id -> SHA-256 of the words last shown for backup

    def __repr__(self) -> str:
        return f"SoftwareWallets({len(self)} wallets)"

    def __len__(self) -> int:
        return sum(1 for _ in self._ids())

    def __iter__(self) -> Iterator[SoftwareWallet]:
        return iter(self.all())

    def all(self) -> list[SoftwareWallet]:
        return [SoftwareWallet(self, wallet_id) for wallet_id in self._ids()]

    def with_address(self, address: str) -> SoftwareWallet:
        for wallet in self.all():
            if address.lower() in (a.lower() for a in wallet.addresses().values()):
                return wallet
        raise AppError("wallet_not_found", f"no software wallet has the address {address}")

    # Create and import
    def create(self, name: str, password: str | Secret) -> SoftwareWallet:
        """A new wallet from a fresh 12-word mnemonic; back it up with `backup_mnemonic`."""
        _check_new_password(password)
        phrase = accounts.new_mnemonic(self._random(accounts.MNEMONIC_ENTROPY_BYTES))
        return self._add(name, MNEMONIC, phrase.encode(), _mnemonic_accounts(phrase), password, backed_up=False)

    def import_mnemonic(self, name: str, mnemonic: str | Secret, password: str | Secret) -> SoftwareWallet:
        _check_new_password(password)
        phrase = _mnemonic(mnemonic)
        return self._add(name, MNEMONIC, phrase.encode(), _mnemonic_accounts(phrase), password, backed_up=True)

    def import_private_key(self, name: str, private_key: str | Secret, password: str | Secret,
                           chain: str = ETH) -> SoftwareWallet:
        """ETH: 64 hex digits. BTC: a compressed-key main-net WIF (one P2WPKH address)."""
        _check_new_password(password)
        priv = _private_key(chain, private_key)
        return self._add(name, PRIVATE_KEY, priv, _key_accounts(chain, priv), password, backed_up=True)

    def import_keystore(self, name: str, keystore_json: str | bytes, password: str | Secret) -> SoftwareWallet:
        """An ETH keystore and its password; the keystore's password becomes the wallet password."""
        if not plain(password):
            raise AppError("illegal_argument", "a keystore is imported together with its password")
        try:
            priv = keystore.decrypt_key(keystore_json, password)
        except keystore.KeystoreError as exc:
            raise AppError(exc.kind, f"keystore refused: {exc.reason}") from None
        return self._add(name, KEYSTORE, priv, _key_accounts(ETH, priv), password, backed_up=True)

    # Storage
    def _ids(self) -> Iterator[str]:
        return (key.removeprefix(STORAGE_PREFIX) for key in list(self._storage) if key.startswith(STORAGE_PREFIX))

    def _record(self, wallet_id: str) -> dict[str, Any]:
        blob = self._storage.get(STORAGE_PREFIX + wallet_id)
        if blob is None:
            raise AppError("wallet_not_found", "this wallet is no longer in the app")
        return json.loads(blob)

    def _write(self, wallet_id: str, record: dict[str, Any]) -> None:
        self._storage[STORAGE_PREFIX + wallet_id] = json.dumps(record).encode()

    def _seal(self, secret: bytes, password: str | Secret) -> dict[str, Any]:
        return keystore.encrypt(secret, password, iterations=VAULT_ITERATIONS, random_bytes=self._random)

    def _add(self, name: str, source: str, secret: bytes, accounts_: dict[str, dict[str, str]],
             password: str | Secret, backed_up: bool) -> SoftwareWallet:
        for wallet in self.all():
            if set(wallet.addresses().values()) & {a["address"] for a in accounts_.values()}:
                raise AppError("wallet_exists", f"the wallet {wallet.name!r} already holds this address")
        vault = self._seal(secret, password)
        record = {"name": name, "source": source, "accounts": accounts_, "backed_up": backed_up, "vault": vault}
        self._write(vault["id"], record)
        return SoftwareWallet(self, vault["id"])

    def _unlock(self, wallet_id: str, password: str | Secret) -> bytes:
        try:
            return keystore.decrypt(self._record(wallet_id)["vault"], password)
        except keystore.KeystoreError as exc:
            if exc.kind == "password_incorrect":
                raise AppError("password_incorrect", "the wallet password is wrong") from None
            raise AppError(exc.kind, f"the wallet's storage is damaged: {exc.reason}") from None


class SoftwareWallet:
    """One wallet in the app's list: a handle on its storage record, holding no secret itself."""

    __slots__ = ("_wallets", "id")

    def __init__(self, wallets: SoftwareWallets, wallet_id: str):
        self._wallets = wallets
        self.id = wallet_id

    def __repr__(self) -> str:
        try:
            record = self._record()
        except AppError:
            return f"SoftwareWallet(id={self.id!r}, removed)"
        return (f"SoftwareWallet(name={record['name']!r}, source={record['source']!r}, "
                f"addresses={self.addresses()!r})")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SoftwareWallet) and other._wallets is self._wallets and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    def _record(self) -> dict[str, Any]:
        return self._wallets._record(self.id)

    # What the wallet page shows
    @property
    def name(self) -> str:
        return self._record()["name"]

    @property
    def source(self) -> str:
        """How the wallet came to the app: mnemonic (created or imported), private_key or keystore."""
        return self._record()["source"]

    @property
    def backed_up(self) -> bool:
        return self._record()["backed_up"]

    def chains(self) -> list[str]:
        return list(self._record()["accounts"])

    def addresses(self) -> dict[str, str]:
        return {chain: account["address"] for chain, account in self._record()["accounts"].items()}

    def address(self, chain: str = ETH) -> str:
        return self._account(chain)["address"]

    def advanced_options(self, chain: str) -> tuple[str, ...]:
        self._account(chain)
        return accounts.advanced_options("software", chain)

    def sub_address_options(self, chain: str) -> tuple[str, ...]:
        self._account(chain)
        return accounts.sub_address_options("software", chain)

    def child_addresses(self, count: int, chain: str = BTC) -> list[str]:
        """Sub-address management: the first `count` receiving addresses (a key-only wallet has just one)."""
        account = self._account(chain)
        if chain != BTC:
            raise AppError("export_not_supported", f"{chain} accounts have no sub-addresses")
        if "xpub" not in account:
            return [account["address"]]
        return [accounts.child_address_from_xpub(account["xpub"], i) for i in range(count)]

    # Mnemonic backup
    def backup_mnemonic(self, password: str | Secret) -> Secret:
        """Shows the words (after the password) for the user to write down; `confirm_backup` checks them."""
        self._require_source(MNEMONIC, "only a wallet made from a mnemonic has one to back up")
        phrase = self._wallets._unlock(self.id, password).decode()
        self._wallets._shown_words[self.id] = hashlib.sha256(phrase.encode()).digest()
        return Secret(phrase)

    def confirm_backup(self, words: str | Secret | list[str]) -> None:
        """The user puts the words back in order; right: the wallet is marked backed up."""
        shown = self._wallets._shown_words.get(self.id)
        if shown is None:
            raise AppError("illegal_argument", "show the mnemonic before confirming it")
        text = " ".join(words) if isinstance(words, list) else plain(words)
        given = hashlib.sha256(" ".join(text.lower().split()).encode()).digest()
        if not hmac.compare_digest(given, shown):
            raise AppError("mnemonic_check_failed", "the words are not the mnemonic in its order")
        del self._wallets._shown_words[self.id]
        record = self._record()
        record["backed_up"] = True
        self._wallets._write(self.id, record)

    # Advanced: export behind the password
    def export_private_key(self, password: str | Secret, chain: str = ETH) -> Secret:
        self._require_option(chain, accounts.EXPORT_PRIVATE_KEY)
        return Secret(accounts.format_private_key(chain, self._private_key(password, chain)))

    def export_keystore(self, password: str | Secret, chain: str = ETH) -> str:
        """The keystore JSON: the account's private key encrypted with the wallet password."""
        self._require_option(chain, accounts.EXPORT_KEYSTORE)
        return keystore.encrypt_key(self._private_key(password, chain), password, random_bytes=self._wallets._random)

    def export_child_private_key(self, password: str | Secret, index: int, chain: str = BTC) -> Secret:
        """Sub-address management: the private key (WIF) of receiving address `index`."""
        self._account(chain)
        if accounts.EXPORT_PRIVATE_KEY not in accounts.sub_address_options("software", chain):
            raise AppError("export_not_supported", f"{chain} accounts have no sub-address keys to export")
        if index < 0 or index >= 2**31:
            raise AppError("illegal_argument", f"child index {index} is out of range")
        secret = self._wallets._unlock(self.id, password)
        if self.source == MNEMONIC:
            priv = accounts.private_key_at(secret.decode(), accounts.btc_child_path(index))
        elif index == 0:
            priv = secret
        else:
            raise AppError("account_not_found", "a wallet imported from a private key has one address, index 0")
        return Secret(accounts.to_wif(priv))

    # Forgotten password
    def reset_password(self, new_password: str | Secret, *, mnemonic: str | Secret | None = None,
                       private_key: str | Secret | None = None) -> None:
        """Set a new password by proving the backup: the mnemonic for a mnemonic wallet, else the private key."""
        _check_new_password(new_password)
        if (mnemonic is None) == (private_key is None):
            raise AppError("illegal_argument", "reset the password with either the mnemonic or the private key")
        record = self._record()
        if mnemonic is not None:
            self._require_source(MNEMONIC, "this wallet was imported from a private key: reset with the key")
            phrase = _mnemonic(mnemonic)
            proved, secret = _mnemonic_accounts(phrase), phrase.encode()
        else:
            if record["source"] == MNEMONIC:
                raise AppError("mnemonic_required", "this wallet was made from a mnemonic: reset with the mnemonic")
            chain = self.chains()[0]
            priv = _private_key(chain, private_key)
            proved, secret = _key_accounts(chain, priv), priv
        if any(proved[c]["address"] != a["address"] for c, a in record["accounts"].items()):
            raise AppError("wallet_mismatch", "that backup belongs to another wallet")
        record["vault"] = dict(self._wallets._seal(secret, new_password), id=self.id)
        self._wallets._write(self.id, record)

    # Helpers
    def _account(self, chain: str) -> dict[str, str]:
        found = self._record()["accounts"].get(chain)
        if found is None:
            raise AppError("account_not_found", f"this wallet has no {chain} account")
        return found

    def _require_source(self, source: str, why: str) -> None:
        if self.source != source:
            raise AppError("illegal_argument", why)

    def _require_option(self, chain: str, option: str) -> None:
        if option not in self.advanced_options(chain):
            hint = " (export a child address's key under sub-address management)" if chain == BTC else ""
            raise AppError("export_not_supported", f"the {chain} account offers no {option!r}{hint}")

    def _private_key(self, password: str | Secret, chain: str) -> bytes:
        secret = self._wallets._unlock(self.id, password)
        if self.source == MNEMONIC:
            return accounts.private_key_at(secret.decode(), accounts.ETH_PATH)
        return secret


def _check_new_password(password: str | Secret) -> None:
    if not isinstance(password, (str, Secret)) or len(plain(password)) < PASSWORD_MIN_CHARS:
        raise AppError("illegal_argument", f"a wallet password has at least {PASSWORD_MIN_CHARS} characters")


def _mnemonic(mnemonic: str | Secret) -> str:
    try:
        return accounts.normalize_mnemonic(mnemonic)
    except ValueError as exc:
        raise AppError("invalid_mnemonic", str(exc)) from None


def _private_key(chain: str, private_key: str | Secret) -> bytes:
    try:
        return accounts.parse_private_key(chain, private_key)
    except ValueError as exc:
        raise AppError("invalid_private_key", str(exc)) from None


def _mnemonic_accounts(phrase: str) -> dict[str, dict[str, str]]:
    eth = accounts.private_key_at(phrase, accounts.ETH_PATH)
    xpub = accounts.account_xpub(phrase)
    return {
        ETH: {"address": accounts.address(ETH, eth), "path": accounts.ETH_PATH},
        BTC: {"address": accounts.child_address_from_xpub(xpub, 0), "path": accounts.BTC_ACCOUNT_PATH, "xpub": xpub},
    }


def _key_accounts(chain: str, priv: bytes) -> dict[str, dict[str, str]]:
    return {chain: {"address": accounts.address(chain, priv)}}
