"""Steps about the device itself: its state, its screen, its power."""
from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from keybench.rigs.bench import Bench
from keybench.rigs.hands import describe_screen
from keybench.steps import flows
from keybench.steps.context import ScenarioContext

DEFAULT_PIN = "123456"
SCREEN_LINES = " / "  # how a step writes a whole screen on one line
LONGEST_WAIT_S = 600.0


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


@then(parsers.parse('the device screen is exactly "{screen}"'))
def screen_is_exactly(bench: Bench, ctx: ScenarioContext, screen: str):
    """Every line of the screen, in order, written on one line with " / " between them."""
    expected = screen.split(SCREEN_LINES)
    ctx.screen = bench.hands.screen()
    assert ctx.screen == expected, f"the device shows {describe_screen(ctx.screen)}, " \
                                   f"expected {describe_screen(expected)}"


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    assert 0 < value <= LONGEST_WAIT_S, f"a wait is a number of seconds above 0 and at most {LONGEST_WAIT_S:g}, " \
                                        f"got {text!r}"
    return value


@then(parsers.parse('the device screen shows "{text}" within {timeout} seconds'))
def screen_shows_within(bench: Bench, ctx: ScenarioContext, text: str, timeout: str):
    ctx.screen = bench.hands.wait_for_screen(text, timeout=seconds(timeout))


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
