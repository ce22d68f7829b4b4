"""Steps about the companion app on a phone: connecting, binding, addresses and the errors it shows."""
from __future__ import annotations

import pytest
from pytest_bdd import given, parsers, then, when

from protocol.imkey import Aid
from protocol.status import StatusError
from rigs.app.companion import AppError
from rigs.bench import Bench
from steps.context import ScenarioContext
from steps.phrases import BIND_STATUS, PHRASES, app_on, status_named



@when(parsers.parse("{app:App} connects to the device", extra_types=PHRASES))
def connect(phones, ctx: ScenarioContext, app: str):
    ctx.bind_status = app_on(phones, app).connect()


@then(parsers.parse('{app:App} reports the device as "{status}"', extra_types=PHRASES))
def reports_status(phones, ctx: ScenarioContext, app: str, status: str):
    ctx.bind_status = app_on(phones, app).connect()
    assert ctx.bind_status == BIND_STATUS[status], f"bind check says {ctx.bind_status.name}, expected {status!r}"


@when(parsers.parse("{app:App} asks the device to show its binding code", extra_types=PHRASES))
def show_code(phones, app: str):
    app_on(phones, app).show_binding_code_on_device()


@when(parsers.parse("the user types the binding code from the device screen into {app:App}", extra_types=PHRASES))
def type_shown_code(bench: Bench, phones, ctx: ScenarioContext, app: str):
    code = bench.user.read_binding_code()
    ctx.binding_codes.append(code)
    app_on(phones, app).bind(code)


@when(parsers.parse('the user types "{code}" into {app:App} as the binding code', extra_types=PHRASES))
def type_code(phones, ctx: ScenarioContext, code: str, app: str):
    try:
        app_on(phones, app).bind(code)
        ctx.error = None
    except (AppError, StatusError) as exc:
        ctx.error = exc


@given(parsers.parse("{app:App} is paired with the device", extra_types=PHRASES))
@when(parsers.parse("{app:App} is paired with the device", extra_types=PHRASES))
def pair(bench: Bench, phones, ctx: ScenarioContext, app: str):
    connect(phones, ctx, app)
    show_code(phones, app)
    type_shown_code(bench, phones, ctx, app)


@then(parsers.parse("{app:App} is bound to the device", extra_types=PHRASES))
def is_bound(phones, ctx: ScenarioContext, app: str):
    reports_status(phones, ctx, app, "bound to this app")


@then(parsers.parse('the app shows the error "{kind}"'))
def app_error(ctx: ScenarioContext, kind: str):
    assert isinstance(ctx.error, AppError), f"expected the app error {kind!r}, got {ctx.error!r}"
    assert ctx.error.kind == kind, f"expected the app error {kind!r}, got {ctx.error}"


@when(parsers.parse("{app:App} is reinstalled", extra_types=PHRASES))
def reinstall(phones, app: str):
    app_on(phones, app).reinstall()


@given(parsers.parse('{app:App} reads the {coin} address at "{path}"', extra_types=PHRASES))
@when(parsers.parse('{app:App} reads the {coin} address at "{path}"', extra_types=PHRASES))
def read_address(phones, ctx: ScenarioContext, app: str, coin: str, path: str):
    try:
        ctx.addresses[f"{coin} {path}"] = app_on(phones, app).address(Aid[coin], path)
        ctx.error = None
    except StatusError as exc:
        ctx.error = exc


@then(parsers.parse('{app:App} reads the same {coin} address at "{path}" as before', extra_types=PHRASES))
def same_address(phones, ctx: ScenarioContext, app: str, coin: str, path: str):
    before = ctx.addresses[f"{coin} {path}"]
    assert app_on(phones, app).address(Aid[coin], path) == before, f"the {coin} address at {path} changed"


@then(parsers.parse('the device answers "{status}"'))
def device_answers(ctx: ScenarioContext, status: str):
    assert isinstance(ctx.error, StatusError), f"expected status {status!r}, got {ctx.error!r}"
    assert ctx.error.sw == status_named(status), f"expected {status!r}, got {ctx.error}"


@then(parsers.parse("{app:App} gets an address", extra_types=PHRASES))
def got_address(ctx: ScenarioContext, app: str):
    if ctx.error is not None:
        pytest.fail(f"the request was refused: {ctx.error}")
    assert ctx.addresses, "no address was read"


@then("the new binding code differs from the lost one")
def new_code_differs(ctx: ScenarioContext):
    assert len(ctx.binding_codes) >= 2, f"only {len(ctx.binding_codes)} binding code(s) were read"
    assert ctx.binding_codes[-1] != ctx.binding_codes[0]
