"""Steps about the wallet on the device: create, the mnemonic check, restore, and the keys it yields."""
from __future__ import annotations

from bip_utils import Bip32Secp256k1
from mnemonic import Mnemonic
from pytest_bdd import parsers, then, when

from keybench.protocol.imkey import Aid
from keybench.rigs.bench import Bench
from keybench.rigs.hands import describe_screen
from keybench.steps import flows
from keybench.steps.context import ScenarioContext
from keybench.steps.phrases import PHRASES, app_on

# The keys a restore is checked on: ETH accounts, BTC legacy, nested and native segwit, and testnet.
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
    flows.restore(bench, ctx, ctx.words)


@when(parsers.parse('the user restores a wallet from "{mnemonic}"'))
def restore_from(bench: Bench, ctx: ScenarioContext, mnemonic: str):
    flows.restore(bench, ctx, mnemonic.split())


@when(parsers.parse("the user restores a wallet from the {count:d} words of entropy {entropy}"))
def restore_from_entropy(bench: Bench, ctx: ScenarioContext, count: int, entropy: str):
    words = Mnemonic("english").to_mnemonic(bytes.fromhex(entropy)).split()
    assert len(words) == count, f"entropy {entropy} gives {len(words)} words, not {count}"
    flows.restore(bench, ctx, words)


@then("the wallet is restored")
@then("the wallet is ready")
def wallet_ready(ctx: ScenarioContext):
    assert ctx.screen[:2] == ["Home", "Wallet ready"], f"the device shows {describe_screen(ctx.screen)}"


@then(parsers.parse('the device refuses the words with "{reason}"'))
def words_refused(ctx: ScenarioContext, reason: str):
    assert any(reason in line for line in ctx.screen), \
        f"expected {reason!r}, the device shows {describe_screen(ctx.screen)}"


@when(parsers.parse("{app:App} reads the ETH and BTC public keys", extra_types=PHRASES))
def read_public_keys(phones, ctx: ScenarioContext, app: str):
    device_app = app_on(phones, app)
    for coin, path in KEY_PATHS:
        ctx.public_keys[f"{coin.name} {path}"] = device_app.public_key(coin, path)


@then("the public keys are the ones bip-utils derives from the words")
def keys_match_words(ctx: ScenarioContext):
    root = Bip32Secp256k1.FromSeed(Mnemonic.to_seed(" ".join(ctx.words), ""))
    assert ctx.public_keys, "the app has read no public key in this scenario"
    for name, (pub, chain) in ctx.public_keys.items():
        expected = root.DerivePath(name.split(" ", 1)[1])
        assert pub == expected.PublicKey().RawUncompressed().ToBytes(), f"the {name} public key differs"
        assert chain == expected.ChainCode().ToBytes(), f"the {name} chain code differs"
