"""Steps about the device itself: its state, its screen, its power."""
from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from protocol import imkey
from rigs.bench import Bench
from steps.context import ScenarioContext
from steps.phrases import LIFECYCLE
from steps.pin_steps import set_pin

DEFAULT_PIN = "123456"


@given("a new device")
def new_device(bench: Bench, ctx: ScenarioContext):
    ctx.screen = bench.user.screen()
    assert ctx.screen[0] == "Set PIN", f"a new device asks for a PIN first, it shows {ctx.screen}"


@given(parsers.parse('a device with the PIN "{pin}" and a {count:d}-word wallet'))
def device_with_wallet(bench: Bench, ctx: ScenarioContext, pin: str, count: int):
    set_pin(bench, ctx, pin)
    ctx.words = bench.user.create_wallet(count)


@given("a device with a PIN and a wallet")
def device_with_default_wallet(bench: Bench, ctx: ScenarioContext):
    device_with_wallet(bench, ctx, DEFAULT_PIN, 12)


@then(parsers.parse('the device screen shows "{text}"'))
def screen_shows(bench: Bench, ctx: ScenarioContext, text: str):
    ctx.screen = bench.hands.wait_for_screen(text, timeout=10)


@then(parsers.parse('the device lifecycle is "{state}"'))
def lifecycle_is(bench: Bench, state: str):
    raw = bench.link.apdu_ok(imkey.LIFECYCLE, "read lifecycle")
    assert raw[0] == LIFECYCLE[state], f"lifecycle is 0x{raw[0]:02X}, expected {state!r} (0x{LIFECYCLE[state]:02X})"


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
    screen_shows(bench, ctx, "Set PIN")
    lifecycle_is(bench, "PIN unset")
