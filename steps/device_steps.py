"""Steps about the device itself: its state, its screen, its power."""
from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from rigs.bench import Bench
from rigs.hands import describe_screen
from steps import flows
from steps.context import ScenarioContext

DEFAULT_PIN = "123456"


@given("a new device")
def new_device(bench: Bench, ctx: ScenarioContext):
    ctx.screen = bench.user.screen()
    assert ctx.screen[0] == "Set PIN", f"a new device asks for a PIN first, it shows {describe_screen(ctx.screen)}"


@given(parsers.parse('a device with the PIN "{pin}" and a {count:d}-word wallet'))
def device_with_wallet(bench: Bench, ctx: ScenarioContext, pin: str, count: int):
    flows.set_pin(bench, ctx, pin)
    ctx.words = bench.user.create_wallet(count)


@given("a device with a PIN and a wallet")
def device_with_default_wallet(bench: Bench, ctx: ScenarioContext):
    flows.set_pin(bench, ctx, DEFAULT_PIN)
    ctx.words = bench.user.create_wallet(12)


@then(parsers.parse('the device screen shows "{text}"'))
def screen_shows(bench: Bench, ctx: ScenarioContext, text: str):
    flows.expect_screen(bench, ctx, text)


@then(parsers.parse('the device lifecycle is "{state}"'))
def lifecycle_is(bench: Bench, state: str):
    flows.expect_lifecycle(bench, state)


@when("the device is power cycled")
def power_cycle(bench: Bench, ctx: ScenarioContext):
    bench.power_cycle()
    ctx.screen = bench.user.screen()


@when("the device is powered on again")
def power_on(bench: Bench, ctx: ScenarioContext):
    bench.power_on()
    ctx.screen = bench.user.screen()


@then("the device has been wiped")
def device_wiped(bench: Bench, ctx: ScenarioContext):
    flows.expect_screen(bench, ctx, "Set PIN")
    flows.expect_lifecycle(bench, "PIN unset")
