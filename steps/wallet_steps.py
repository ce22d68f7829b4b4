"""Steps about the wallet on the device: create, the mnemonic check, restore, and the keys it yields."""
from __future__ import annotations

from bip_utils import Bip32Secp256k1
from mnemonic import Mnemonic
from pytest_bdd import parsers, then, when

from protocol.imkey import Aid
from rigs.bench import Bench
from steps.context import ScenarioContext
from steps.phrases import PHRASES, app_on

KEY_PATHS = [
    (Aid.ETH, "m/44'/60'/0'/0/0"),
    (Aid.ETH, "m/44'/60'/0'/0/7"),
    (Aid.BTC, "m/44'/0'/0'/0/0"),
    (Aid.BTC, "m/49'/0'/0'/0/0"),
    (Aid.BTC, "m/84'/0'/0'/0/0"),
    (Aid.BTC, "m/44'/1'/0'/0/0"),
]


@when(parsers.parse("the user creates a {count:d}-word wallet on the device"))
def create_wallet(bench: Bench, ctx: ScenarioContext, count: int):
    ctx.words = bench.user.create_wallet(count)


@when(parsers.parse("the user starts creating a {count:d}-word wallet and writes down the words"))
def start_create(bench: Bench, ctx: ScenarioContext, count: int):
    ctx.screen = bench.user.start_wallet("Create wallet", count)
    ctx.words = bench.user.read_words()


@when("the user answers the mnemonic check with a wrong word")
def wrong_check_word(bench: Bench, ctx: ScenarioContext):
    ctx.screen = bench.user.answer_checks(ctx.words, wrong=True)


@when("the user answers the mnemonic check correctly")
def right_check_words(bench: Bench, ctx: ScenarioContext):
    ctx.screen = bench.user.answer_checks(ctx.words)


@when("the user restores the wallet from the written-down words")
def restore_written_down(bench: Bench, ctx: ScenarioContext):
    ctx.screen = bench.user.restore_wallet(ctx.words)


@when(parsers.parse('the user restores a wallet from "{mnemonic}"'))
def restore_from(bench: Bench, ctx: ScenarioContext, mnemonic: str):
    ctx.words = mnemonic.split()
    ctx.screen = bench.user.restore_wallet(ctx.words)


@when(parsers.parse("the user restores a wallet from the {count:d} words of entropy {entropy}"))
def restore_from_entropy(bench: Bench, ctx: ScenarioContext, count: int, entropy: str):
    words = Mnemonic("english").to_mnemonic(bytes.fromhex(entropy)).split()
    assert len(words) == count, f"entropy {entropy} gives {len(words)} words, not {count}"
    restore_from(bench, ctx, " ".join(words))


@then("the wallet is restored")
@then("the wallet is ready")
def wallet_ready(ctx: ScenarioContext):
    assert ctx.screen[:2] == ["Home", "Wallet ready"], f"the device shows {ctx.screen}"


@then(parsers.parse('the device refuses the words with "{reason}"'))
def words_refused(ctx: ScenarioContext, reason: str):
    assert any(reason in line for line in ctx.screen), f"expected {reason!r}, the device shows {ctx.screen}"


@then(parsers.parse("{app:App} sees the public keys that bip-utils derives from the words", extra_types=PHRASES))
def keys_match_words(phones, ctx: ScenarioContext, app: str):
    root = Bip32Secp256k1.FromSeed(Mnemonic.to_seed(" ".join(ctx.words), ""))
    device_app = app_on(phones, app)
    for coin, path in KEY_PATHS:
        pub, chain = device_app.public_key(coin, path)
        expected = root.DerivePath(path)
        assert pub == expected.PublicKey().RawUncompressed().ToBytes(), f"{coin.name} key at {path} differs"
        assert chain == expected.ChainCode().ToBytes(), f"{coin.name} chain code at {path} differs"
