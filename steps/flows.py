"""What several steps do alike, so that no step calls another (tests/test_step_rules.py checks it).

Acting flows record their outcome in the ScenarioContext; the `expect_*` checks only look (the screen, the
lifecycle byte) and are what Then steps share. A failure shows the whole screen, except a secret one's words.
"""
from __future__ import annotations

from keybench.protocol import imkey
from keybench.protocol.status import StatusError
from keybench.rigs.app.companion import AppError
from keybench.rigs.bench import Bench
from keybench.rigs.hands import describe_screen
from keybench.steps.context import ScenarioContext
from keybench.steps.phrases import app_on, check_pin_format, coin_named, lifecycle_named

SCREEN_TIMEOUT_S = 10.0


# Acting
def set_pin(bench: Bench, ctx: ScenarioContext, pin: str) -> None:
    """Set the PIN on a new device and require the device to accept it (a malformed PIN is the step's mistake)."""
    check_pin_format(pin)
    ctx.screen = bench.user.set_pin(pin)
    assert ctx.screen[0] == "Home", f"setting a {len(pin)}-digit PIN failed: the device shows " \
                                    f"{describe_screen(ctx.screen)}"
    ctx.pin = pin


def connect(phones, ctx: ScenarioContext, app: str) -> None:
    """The app connects (identify, bind check); what it reports is kept per app for Then steps."""
    ctx.bind_status[app] = app_on(phones, app).connect()


def bind_with_code(phones, ctx: ScenarioContext, app: str, code: str) -> None:
    """The user types a binding code into the app; a refusal is kept in ctx.error for a Then step."""
    ctx.bind_status.pop(app, None)  # what the app reported before binding is stale now
    try:
        app_on(phones, app).bind(code)
        ctx.error = None
    except (AppError, StatusError) as exc:
        ctx.error = exc


def pair(bench: Bench, phones, ctx: ScenarioContext, app: str) -> None:
    """Connect, have the device show its binding code, type it into the app; the binding must succeed."""
    connect(phones, ctx, app)
    app_on(phones, app).show_binding_code_on_device()
    code = bench.user.read_binding_code()
    ctx.binding_codes.append(code)
    ctx.bind_status.pop(app, None)
    app_on(phones, app).bind(code)


def read_address(phones, ctx: ScenarioContext, app: str, coin: str, path: str) -> None:
    """Read an address; every read is kept in order, and a refusal in ctx.error."""
    aid = coin_named(coin)
    try:
        address = app_on(phones, app).address(aid, path)
    except StatusError as exc:
        ctx.error = exc
        return
    ctx.error = None
    ctx.addresses.setdefault(f"{coin} {path}", []).append(address)


def restore(bench: Bench, ctx: ScenarioContext, words: list[str]) -> None:
    """Type a mnemonic into the device's Restore wallet flow; the words are what the user has written down."""
    ctx.words = list(words)
    ctx.screen = bench.user.restore_wallet(ctx.words)


# Looking
def expect_screen(bench: Bench, ctx: ScenarioContext, text: str) -> None:
    """Some line of the device screen shows `text` (within a bounded wait; a failure prints the whole screen)."""
    ctx.screen = bench.hands.wait_for_screen(text, timeout=SCREEN_TIMEOUT_S)


def expect_lifecycle(bench: Bench, state: str) -> None:
    """The device's lifecycle byte (a read-only APDU, the one host query a Then step may send)."""
    expected = lifecycle_named(state)
    raw = bench.link.apdu_ok(imkey.LIFECYCLE, "read lifecycle")
    assert raw[0] == expected, f"lifecycle is 0x{raw[0]:02X}, expected {state!r} (0x{expected:02X})"
