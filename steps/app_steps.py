"""Steps about the companion app on a phone: connecting, binding, addresses and the errors it shows.

When steps act and record what happened in the ScenarioContext; Then steps only read it (the app's bind status
is what its last connection reported: a scenario that wants a fresh answer connects again).
"""
from __future__ import annotations

from bip_utils import Bip32Secp256k1
from mnemonic import Mnemonic
from pytest_bdd import given, parsers, then, when

from keybench.protocol.status import StatusError
from keybench.rigs.app.companion import AppError, address_of
from keybench.rigs.bench import Bench
from keybench.steps import flows
from keybench.steps.context import ScenarioContext
from keybench.steps.phrases import PHRASES, app_on, bind_status_named, coin_named, status_named


@when(parsers.parse("{app:App} connects to the device", extra_types=PHRASES))
def app_connects(phones, ctx: ScenarioContext, app: str):
    flows.connect(phones, ctx, app)


@then(parsers.parse('{app:App} reports the device as "{status}"', extra_types=PHRASES))
def reports_status(ctx: ScenarioContext, app: str, status: str):
    expected = bind_status_named(status)
    assert app in ctx.bind_status, f"{app} has not connected to the device since it last bound or was installed"
    reported = ctx.bind_status[app]
    assert reported == expected, f"{app}'s bind check says {reported.name}, expected {status!r}"


@when(parsers.parse("{app:App} asks the device to show its binding code", extra_types=PHRASES))
def show_code(phones, app: str):
    app_on(phones, app).show_binding_code_on_device()


@when(parsers.parse("the user types the binding code from the device screen into {app:App}", extra_types=PHRASES))
def type_shown_code(bench: Bench, phones, ctx: ScenarioContext, app: str):
    code = bench.user.read_binding_code()
    ctx.binding_codes.append(code)
    flows.bind_with_code(phones, ctx, app, code)
    assert ctx.error is None, f"{app} did not bind with the code the device showed: {ctx.error}"


@when(parsers.parse('the user types "{code}" into {app:App} as the binding code', extra_types=PHRASES))
def type_code(phones, ctx: ScenarioContext, code: str, app: str):
    flows.bind_with_code(phones, ctx, app, code)


@given(parsers.parse("{app:App} is paired with the device", extra_types=PHRASES))
@when(parsers.parse("{app:App} is paired with the device", extra_types=PHRASES))
def app_is_paired(bench: Bench, phones, ctx: ScenarioContext, app: str):
    flows.pair(bench, phones, ctx, app)


@then(parsers.parse('the app shows the error "{kind}"'))
def app_error(ctx: ScenarioContext, kind: str):
    assert isinstance(ctx.error, AppError), f"expected the app error {kind!r}, got {ctx.error!r}"
    assert ctx.error.kind == kind, f"expected the app error {kind!r}, got {ctx.error}"


@when(parsers.parse("{app:App} is reinstalled", extra_types=PHRASES))
def reinstall(phones, ctx: ScenarioContext, app: str):
    app_on(phones, app).reinstall()
    ctx.bind_status.pop(app, None)


@given(parsers.parse('{app:App} reads the {coin} address at "{path}"', extra_types=PHRASES))
@when(parsers.parse('{app:App} reads the {coin} address at "{path}"', extra_types=PHRASES))
def app_reads_address(phones, ctx: ScenarioContext, app: str, coin: str, path: str):
    flows.read_address(phones, ctx, app, coin, path)


@then(parsers.parse('the {coin} address at "{path}" is the same as before'))
def same_address(ctx: ScenarioContext, coin: str, path: str):
    coin_named(coin)
    assert ctx.error is None, f"the last request was refused: {ctx.error}"
    reads = ctx.addresses.get(f"{coin} {path}", [])
    assert len(reads) >= 2, f"the app read the {coin} address at {path} {len(reads)} time(s); it needs 2 to compare"
    assert reads[-1] == reads[0], f"the {coin} address at {path} changed from {reads[0]} to {reads[-1]}"


@then(parsers.parse('the {coin} address at "{path}" is the one bip-utils derives from the words'))
def address_from_words(ctx: ScenarioContext, coin: str, path: str):
    assert ctx.error is None, f"the last request was refused: {ctx.error}"
    aid = coin_named(coin)
    assert ctx.words, "the scenario has no written-down words"
    node = Bip32Secp256k1.FromSeed(Mnemonic.to_seed(" ".join(ctx.words), "")).DerivePath(path)
    expected = address_of(aid, path, node.PublicKey().RawUncompressed().ToBytes())
    got = ctx.last_address(coin, path)
    assert got == expected, f"the app read {got} as the {coin} address at {path}; the words give {expected}"


@then(parsers.parse('the {coin} address at "{path}" is "{address}"'))
def exact_address(ctx: ScenarioContext, coin: str, path: str, address: str):
    """The address the app read is this one, written out in the feature (ETH 0x..., BTC 1..., 3... or bc1...)."""
    coin_named(coin)
    assert ctx.error is None, f"the last request was refused: {ctx.error}"
    got = ctx.last_address(coin, path)
    assert got == address, f"the app read {got} as the {coin} address at {path}, expected {address}"


@then(parsers.parse('the device answers "{answer}"'))
def device_answers(ctx: ScenarioContext, answer: str):
    expected = status_named(answer)
    assert isinstance(ctx.error, StatusError), f"expected status {answer!r}, got {ctx.error!r}"
    assert ctx.error.sw == expected, f"expected {answer!r}, got {ctx.error}"


@then("the new binding code differs from the lost one")
def new_code_differs(ctx: ScenarioContext):
    assert len(ctx.binding_codes) >= 2, f"only {len(ctx.binding_codes)} binding code(s) were read"
    assert ctx.binding_codes[-1] != ctx.binding_codes[0], "the device showed the lost binding code again"
