"""Steps about the PIN: setting it, entering it, lockout, reset, and power cuts in the middle."""
from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from keybench.rigs.bench import Bench
from keybench.rigs.hands import describe_screen
from keybench.rigs.link import PoweredOff
from keybench.steps import flows
from keybench.steps.context import ScenarioContext
from keybench.steps.phrases import MAX_PIN_ATTEMPTS, attempts_left_line

WRONG_PIN = "000000"
MAX_ATTEMPTS = MAX_PIN_ATTEMPTS


@given(parsers.parse('a device with the PIN "{pin}"'))
@when(parsers.parse('the user sets the PIN "{pin}" on the device'))
def sets_pin(bench: Bench, ctx: ScenarioContext, pin: str):
    flows.set_pin(bench, ctx, pin)


@when(parsers.parse('the user tries to set the PIN "{pin}" on the device'))
def try_set_pin(bench: Bench, ctx: ScenarioContext, pin: str):
    ctx.screen = bench.user.set_pin(pin)


@when(parsers.parse('the user sets the PIN "{pin}" but confirms "{other}"'))
def set_pin_mismatch(bench: Bench, ctx: ScenarioContext, pin: str, other: str):
    ctx.screen = bench.user.set_pin(pin, confirmation=other)


@when(parsers.parse('the user enters the PIN "{pin}" on the device'))
def enter_pin(bench: Bench, ctx: ScenarioContext, pin: str):
    ctx.screen = bench.user.unlock(pin)


@when("the user enters the right PIN on the device")
def enter_right_pin(bench: Bench, ctx: ScenarioContext):
    ctx.screen = bench.user.unlock(ctx.pin)


@when(parsers.parse("the user enters a wrong PIN {times:d} times"))
@when(parsers.parse("the user enters a wrong PIN {times:d} time"))
def enter_wrong_pins(bench: Bench, ctx: ScenarioContext, times: int):
    assert ctx.pin != WRONG_PIN, "the scenario's PIN is the one the steps use as the wrong PIN"
    for _ in range(times):
        ctx.screen = bench.user.unlock(WRONG_PIN)
        ctx.answered_wrong_pins += 1


@when(parsers.parse('the user resets the device from the settings menu with the PIN "{pin}"'))
def reset_with_pin(bench: Bench, ctx: ScenarioContext, pin: str):
    ctx.screen = bench.user.reset_device(pin)


@when("the user resets the device from the settings menu")
def reset_with_right_pin(bench: Bench, ctx: ScenarioContext):
    ctx.screen = bench.user.reset_device(ctx.pin)


def _pin_with_power_cut(bench: Bench, ctx: ScenarioContext, pin: str, write: int) -> None:
    """Arm the cut, enter the PIN, and require that the cut fired (else the scenario tests nothing)."""
    bench.arm_power_cut(write)
    try:
        ctx.screen = bench.user.unlock(pin)
    except PoweredOff:
        return
    raise AssertionError(f"the PIN attempt finished without reaching storage write {write}; "
                         f"the device shows {describe_screen(ctx.screen)}")


@when(parsers.parse("a wrong PIN is entered with the power cut at storage write {write:d}"))
def wrong_pin_with_power_cut(bench: Bench, ctx: ScenarioContext, write: int):
    _pin_with_power_cut(bench, ctx, WRONG_PIN, write)


@when(parsers.parse("a right PIN is entered with the power cut at storage write {write:d}"))
def right_pin_with_power_cut(bench: Bench, ctx: ScenarioContext, write: int):
    _pin_with_power_cut(bench, ctx, ctx.pin, write)


@when("wrong PINs are entered until the device is wiped")
def wrong_pins_until_wiped(bench: Bench, ctx: ScenarioContext):
    for _ in range(MAX_ATTEMPTS + 1):
        if bench.user.screen()[0] == "Set PIN":
            return
        ctx.screen = bench.user.unlock(WRONG_PIN)
        ctx.answered_wrong_pins += 1
    raise AssertionError(f"{MAX_ATTEMPTS + 1} more wrong PINs and the device is still not wiped; it shows "
                         f"{describe_screen(ctx.screen)}")


@then(parsers.parse("no more than {limit:d} wrong PINs were answered by the device"))
def wrong_pins_answered(ctx: ScenarioContext, limit: int):
    assert ctx.answered_wrong_pins <= limit, f"the device answered {ctx.answered_wrong_pins} wrong PINs"


@then(parsers.parse("the wrong-PIN counter is {wrong:d}"))
def wrong_pin_counter(bench: Bench, ctx: ScenarioContext, wrong: int):
    """The count of wrong PINs in a row, as the device's PIN screen shows it ('<5 - count> attempts left')."""
    assert 0 <= wrong < MAX_ATTEMPTS, f"the wrong-PIN counter is 0 to {MAX_ATTEMPTS - 1} (the {MAX_ATTEMPTS}th " \
                                      f"wrong PIN wipes the device: 'the device has been wiped'), got {wrong}"
    ctx.screen = bench.hands.screen()
    shown = [line for line in ctx.screen if line.endswith(("attempts left", "attempt left"))]
    assert shown, f"the device shows no count of PIN attempts (only its PIN screens do): " \
                  f"{describe_screen(ctx.screen)}"
    expected = attempts_left_line(MAX_ATTEMPTS - wrong)
    assert shown == [expected], f"the device shows {shown[0]!r}, expected {expected!r} for {wrong} wrong PIN(s)"
