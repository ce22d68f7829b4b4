"""Steps about backing up a wallet with an imKey: the device keeps its keys, the written-down words are the
backup, and the same words give the same accounts in a software wallet of the app.

What the app does with software wallets alone (export, keystore, password reset) is unit-tested in
tests/test_software_wallet*.py, without a device. Passwords are named in the Gherkin ("the wallet password")
and kept here, so no secret is written in a feature file, a test id or a report; what the user writes down is
kept in `wallet_notes` as `Secret`s, which never print their value.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from pytest_bdd import given, parsers, then, when

from keybench.rigs.app.secret import Secret
from keybench.rigs.app.software_wallet import SoftwareWallet
from keybench.rigs.bench import Bench
from keybench.steps import flows, key_custody
from keybench.steps.context import ScenarioContext
from keybench.steps.phrases import PHRASES, app_on

PASSWORDS = {"the wallet password": "keybench-Wallet-pass-31"}
WALLET_NAME = "Backup test wallet"
# The account a software wallet holds for each coin, where the app reads the imKey's address to compare.
ACCOUNT_PATHS = {"ETH": "m/44'/60'/0'/0/0", "BTC": "m/84'/0'/0'/0/0"}


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


def which_wallet(text: str) -> str:
    return text


which_wallet.pattern = r"imported|software"  # type: ignore[attr-defined]

TYPES = dict(PHRASES, Password=password_named, Wallet=which_wallet)


@dataclass
class WalletNotes:
    """What the user has in hand during a backup scenario (secrets only as `Secret`s)."""

    wallet: SoftwareWallet | None = None  # the software wallet the scenario set up
    words: Secret | None = None  # the mnemonic the user wrote down from the app
    addresses: dict[str, dict[str, str]] = field(default_factory=dict)  # "software"/"imported" -> coin -> address


@pytest.fixture
def wallet_notes() -> WalletNotes:
    return WalletNotes()


@pytest.fixture
def traffic():
    recorder = key_custody.HostTraffic()
    yield recorder
    recorder.stop()


@given(parsers.parse("{app:App} has a software wallet whose mnemonic the user has backed up", extra_types=TYPES))
def backed_up_software_wallet(phones, wallet_notes: WalletNotes, app: str):
    password = Password("the wallet password")
    wallet = app_on(phones, app).wallets.create(WALLET_NAME, password)
    wallet_notes.words = wallet.backup_mnemonic(password)
    wallet.confirm_backup(wallet_notes.words)
    assert wallet.backed_up, "the app did not mark the wallet as backed up after the words were confirmed"
    wallet_notes.wallet = wallet
    wallet_notes.addresses["software"] = wallet.addresses()


@given("the traffic between the app and the device is recorded")
def record_traffic(bench: Bench, traffic: key_custody.HostTraffic):
    traffic.start(bench.link)


@when("the user restores the device from the software wallet's written-down mnemonic")
def restore_software_words(bench: Bench, ctx: ScenarioContext, wallet_notes: WalletNotes):
    assert wallet_notes.words is not None, "no words were written down from the app"
    flows.restore(bench, ctx, wallet_notes.words.words())


@when(parsers.parse("{app:App} imports the words written down from the device with {password:Password}",
                    extra_types=TYPES))
def import_device_words(phones, ctx: ScenarioContext, wallet_notes: WalletNotes, app: str, password: Password):
    assert ctx.words, "no words were written down from the device"
    wallets = app_on(phones, app).wallets
    imported = wallets.import_mnemonic(WALLET_NAME, Secret(" ".join(ctx.words)), password)
    wallet_notes.addresses["imported"] = imported.addresses()


@then(parsers.parse("the {which:Wallet} wallet's {coin} address is the one the app read from the device",
                    extra_types=TYPES))
def wallet_matches_device(ctx: ScenarioContext, wallet_notes: WalletNotes, which: str, coin: str):
    assert which in wallet_notes.addresses, f"the scenario has no {which} wallet"
    mine = wallet_notes.addresses[which].get(coin)
    on_device = ctx.last_address(coin, ACCOUNT_PATHS[coin])
    assert mine == on_device, f"the {which} wallet's {coin} address is {mine}; the imKey's is {on_device}"


@then("nothing the device sent the app holds the written-down words or a private key derived from them")
def device_kept_its_keys(ctx: ScenarioContext, traffic: key_custody.HostTraffic):
    assert ctx.words, "no words were written down from the device"
    answers = traffic.answers()
    assert answers, "no answer from the device was recorded"
    found = key_custody.leaks(answers, ctx.words, traffic.paths_asked())
    assert not found, f"the device sent the app {', '.join(found)} ({len(answers)} answers searched)"
