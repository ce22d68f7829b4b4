"""The rules of the step library, checked on its source (an AST scan of steps/):

- no step calls another step: shared behaviour lives in rigs/ or in a helper (steps/flows.py);
- Then steps observe and never act: they read what When steps recorded (the ScenarioContext), the device screen
  and its lifecycle byte; they never reach the app, the link or the device user's actions;
- steps never branch on the backend and never sleep;
- a message that shows the device screen shows all of it through rigs.hands.describe_screen (which hides only a
  secret screen's words), never a slice or the raw list.

Each checker is also run on small bad examples, so a rule that stopped finding anything would fail here.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STEPS = ROOT / "steps"
KINDS = ("given", "when", "then")
# What a Then step may take besides the values its phrase parses: recorded facts and the means to look.
OBSERVING_FIXTURES = {"ctx", "bench", "wallet_notes", "traffic"}
# The looks a Then step may take through the bench or the traffic recorder. The lifecycle APDU is read-only.
OBSERVING_CALLS = {"bench.hands.screen", "bench.hands.wait_for_screen", "bench.user.screen",
                   "traffic.answers", "traffic.paths_asked"}
READ_ONLY_APDUS = {"imkey.LIFECYCLE"}
# Names and attributes through which only acting is possible (the phones' apps, the link, the wallets).
ACTING_NAMES = {"phones", "app_on"}
ACTING_ATTRIBUTES = {"link", "wallet", "wallets", "user", "hands", "power_cycle", "power_on", "arm_power_cut"}
BACKEND_NAMES = {"rig", "target", "capabilities", "has", "physical", "sleep"}


@dataclass
class Module:
    name: str  # "steps.app_steps", as the repository lays it out
    tree: ast.Module
    functions: dict[str, ast.FunctionDef] = field(default_factory=dict)
    steps: dict[str, set[str]] = field(default_factory=dict)  # step function -> {"given", "when", "then"}


def load(sources: dict[str, str]) -> dict[str, Module]:
    modules = {}
    for name, source in sources.items():
        module = Module(name, ast.parse(source))
        for node in module.tree.body:
            if isinstance(node, ast.FunctionDef):
                module.functions[node.name] = node
                kinds = step_kinds(node)
                if kinds:
                    module.steps[node.name] = kinds
        modules[name] = module
    return modules


def step_library() -> dict[str, Module]:
    return load({f"steps.{path.stem}": path.read_text() for path in sorted(STEPS.glob("*.py"))})


def step_kinds(fn: ast.FunctionDef) -> set[str]:
    kinds = set()
    for decorator in fn.decorator_list:
        func = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name in KINDS:
            kinds.add(name)
    return kinds


def parsed_names(fn: ast.FunctionDef) -> set[str]:
    """The argument names a step's phrases parse ({name} or {name:Type}), as opposed to fixtures."""
    names = set()
    for decorator in fn.decorator_list:
        for node in ast.walk(decorator):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                names |= {part.split("}")[0].split(":")[0] for part in node.value.split("{")[1:]}
    return names


def dotted(node: ast.AST) -> str | None:
    """bench.hands.screen for that attribute chain; None when the chain does not start at a plain name."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return None


def imported_names(module: Module) -> dict[str, tuple[str, str | None]]:
    """Local name -> (module, attribute) for `from keybench.steps.x import y` (attribute y) and
    `from keybench.steps import x`; modules are named as in the repository (steps.x)."""
    names = {}
    for node in ast.walk(module.tree):
        source = (node.module or "").removeprefix("keybench.") if isinstance(node, ast.ImportFrom) else ""
        if source.split(".")[0] == "steps":
            for alias in node.names:
                local = alias.asname or alias.name
                if source == "steps":
                    names[local] = (f"steps.{alias.name}", None)
                else:
                    names[local] = (source, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.removeprefix("keybench.").startswith("steps."):
                    names[alias.asname or alias.name] = (alias.name.removeprefix("keybench."), None)
    return names


def steps_calling_steps(modules: dict[str, Module]) -> list[str]:
    found = []
    all_steps = {(m.name, step) for m in modules.values() for step in m.steps}
    for module in modules.values():
        imports = imported_names(module)
        for source, attribute in imports.values():
            if attribute and (source, attribute) in all_steps:
                found.append(f"{module.name} imports the step {source}.{attribute}")
        for fn in module.functions.values():
            for node in ast.walk(fn):
                if not isinstance(node, ast.Call):
                    continue
                callee = None
                if isinstance(node.func, ast.Name) and node.func.id in module.steps:
                    callee = (module.name, node.func.id)
                elif isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name):
                    source = imports.get(node.func.value.id, (None, "x"))
                    if source[1] is None and (source[0], node.func.attr) in all_steps:
                        callee = (source[0], node.func.attr)
                if callee:
                    found.append(f"{module.name}.{fn.name} calls the step {callee[0]}.{callee[1]}")
    return found


def _helper(modules: dict[str, Module], module: Module, call: ast.Call) -> tuple[Module, ast.FunctionDef] | None:
    """The steps/ function a call reaches (local, `from steps import flows` then flows.f, or imported by name)."""
    imports = imported_names(module)
    if isinstance(call.func, ast.Name):
        if call.func.id in module.functions:
            return module, module.functions[call.func.id]
        source, attribute = imports.get(call.func.id, (None, None))
        if attribute and source in modules and attribute in modules[source].functions:
            return modules[source], modules[source].functions[attribute]
    elif isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name):
        source, attribute = imports.get(call.func.value.id, (None, "x"))
        if attribute is None and source in modules and call.func.attr in modules[source].functions:
            return modules[source], modules[source].functions[call.func.attr]
    return None


def _acts(modules: dict[str, Module], module: Module, fn: ast.FunctionDef, bench: set[str], where: str,
          seen: set[str]) -> list[str]:
    """Where a function (a Then step or a helper it calls) reaches something that acts."""
    if f"{module.name}.{fn.name}" in seen:
        return []
    seen = seen | {f"{module.name}.{fn.name}"}
    found = []
    chains = {id(node.func): node for node in ast.walk(fn) if isinstance(node, ast.Call)}
    inner = {id(node.value) for node in ast.walk(fn) if isinstance(node, ast.Attribute)}
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and node.id in ACTING_NAMES:
            found.append(f"{where} uses {node.id}")
        if isinstance(node, ast.Attribute) and id(node) not in inner:  # the whole chain, once
            chain = dotted(node) or ""
            root, _, rest = chain.partition(".")
            if root in bench:
                looked = f"bench.{rest}"
                call = chains.get(id(node))
                lifecycle = (looked == "bench.link.apdu_ok" and call is not None and call.args
                             and dotted(call.args[0]) in READ_ONLY_APDUS)
                if not (looked in OBSERVING_CALLS and call is not None) and not lifecycle:
                    found.append(f"{where} reaches {looked}")
            elif root == "traffic" and not (chain in OBSERVING_CALLS and id(node) in chains):
                found.append(f"{where} reaches {chain}")
            elif set(chain.split(".")[1:]) & ACTING_ATTRIBUTES and root not in bench:
                found.append(f"{where} reaches {chain}")
        if isinstance(node, ast.Call):
            passed = {i: a.id for i, a in enumerate(node.args) if isinstance(a, ast.Name) and a.id in bench}
            passed_kw = {k.arg for k in node.keywords if isinstance(k.value, ast.Name) and k.value.id in bench}
            if not passed and not passed_kw:
                continue
            target = _helper(modules, module, node)
            if target is None:
                found.append(f"{where} hands the bench to {dotted(node.func) or 'a call'}")
                continue
            callee_module, callee = target
            params = [a.arg for a in callee.args.args]
            receiving = {params[i] for i in passed if i < len(params)} | set(passed_kw)
            found += _acts(modules, callee_module, callee, receiving, f"{where} -> {callee_module.name}.{callee.name}",
                           seen)
    return found


def then_steps_acting(modules: dict[str, Module]) -> list[str]:
    found = []
    for module in modules.values():
        for name, kinds in module.steps.items():
            if "then" not in kinds:
                continue
            fn = module.functions[name]
            where = f"{module.name}.{name}"
            if kinds != {"then"}:
                found.append(f"{where} is also a {'/'.join(sorted(kinds - {'then'}))} step")
            fixtures = {a.arg for a in fn.args.args} - parsed_names(fn)
            if fixtures - OBSERVING_FIXTURES:
                found.append(f"{where} takes {sorted(fixtures - OBSERVING_FIXTURES)}: a Then step reads what a When "
                             f"step recorded, through {sorted(OBSERVING_FIXTURES)} only")
            found += _acts(modules, module, fn, {"bench"}, where, set())
    return found


def backend_branches(modules: dict[str, Module]) -> list[str]:
    """Step modules and their steps/ helpers never look at the rig, its target or capabilities, and never sleep."""
    found = []
    for module in _checked(modules):
        for node in ast.walk(module.tree):
            name = node.id if isinstance(node, ast.Name) else getattr(node, "attr", None)
            if name in BACKEND_NAMES:
                found.append(f"{module.name} line {node.lineno} uses {name!r}")
    return found


def screens_shown_raw(modules: dict[str, Module]) -> list[str]:
    """f-string parts that format a screen (an expression naming `screen` or `lines`) other than describe_screen."""
    found = []
    for module in _checked(modules):
        for node in ast.walk(module.tree):
            if not isinstance(node, ast.FormattedValue):
                continue
            value = node.value
            if isinstance(value, ast.Call) and getattr(value.func, "id", None) == "describe_screen":
                continue
            names = {n.attr if isinstance(n, ast.Attribute) else n.id
                     for n in ast.walk(value) if isinstance(n, (ast.Attribute, ast.Name))}
            if names & {"screen", "lines"}:
                found.append(f"{module.name} line {node.lineno} shows a screen without describe_screen")
    return sorted(set(found))


def _checked(modules: dict[str, Module]) -> list[Module]:
    """The step modules and the steps/ helpers they import."""
    step_modules = [m for m in modules.values() if m.name.endswith("_steps")]
    helpers = {source for m in step_modules for source, _ in imported_names(m).values() if source in modules}
    return [*step_modules, *(modules[name] for name in sorted(helpers))]


# The step library as it is
def test_the_library_has_steps_of_every_kind():
    kinds = {kind for module in step_library().values() for k in module.steps.values() for kind in k}
    assert kinds == set(KINDS), f"found only {kinds}: the scan no longer recognises the decorators"


def test_no_step_calls_another_step():
    assert steps_calling_steps(step_library()) == []


def test_then_steps_only_observe():
    assert then_steps_acting(step_library()) == []


def test_steps_never_branch_on_the_backend_or_sleep():
    assert backend_branches(step_library()) == []


def test_a_failing_step_shows_the_whole_screen():
    assert screens_shown_raw(step_library()) == []


# The checkers find what they are for
BAD = {
    "steps.a_steps": '''
from pytest_bdd import given, then, when, parsers
from keybench.steps import flows

@when(parsers.parse("{app:App} connects"))
def connect(phones, ctx, app):
    ctx.status = app_on(phones, app).connect()

@when("it pairs")
def pair(bench, phones, ctx):
    connect(phones, ctx, "the app")

@then(parsers.parse('{app:App} reports "{status}"'))
def reports(phones, ctx, app, status):
    assert app_on(phones, app).connect() == status

@then("the screen is fine")
def screen_fine(bench, ctx):
    ctx.screen = bench.hands.wait_for_screen("Home")
    flows.power(bench)
    bench.user.unlock("123456")

@then("the lifecycle is read")
def lifecycle(bench):
    bench.link.apdu_ok(imkey.LIFECYCLE, "read")
    bench.link.apdu_ok(imkey.SELECT, "select")

@then("the wallet is exported")
def exported(wallet_notes, traffic):
    wallet_notes.wallet.export_private_key("pw")
    traffic.start(None)

@then("the device shows Home")
def shows_home(ctx):
    assert ctx.screen[0] == "Home", f"it shows {ctx.screen[:1]}"
    assert ctx.screen[0] == "Home", f"it shows {describe_screen(ctx.screen)}"

@when("the device sleeps")
@then("the device slept")
def slept(bench):
    if bench.rig.has("power_cut"):
        time.sleep(1)
''',
    "steps.b_steps": '''
from keybench.steps.a_steps import connect
from keybench.steps import a_steps

def helper(phones, ctx):
    a_steps.pair(None, phones, ctx)
''',
    "steps.flows": '''
def power(device):
    device.power_cycle()
''',
}


def test_the_step_call_check_finds_calls_and_imports_of_steps():
    assert sorted(steps_calling_steps(load(BAD))) == [
        "steps.a_steps.pair calls the step steps.a_steps.connect",
        "steps.b_steps imports the step steps.a_steps.connect",
        "steps.b_steps.helper calls the step steps.a_steps.pair",
    ]


def test_the_then_check_finds_acting_then_steps():
    found = then_steps_acting(load(BAD))
    expected = [
        "steps.a_steps.reports takes ['phones']",
        "steps.a_steps.reports uses app_on",
        "steps.a_steps.screen_fine -> steps.flows.power reaches bench.power_cycle",
        "steps.a_steps.screen_fine reaches bench.user.unlock",
        "steps.a_steps.lifecycle reaches bench.link.apdu_ok",
        "steps.a_steps.exported reaches wallet_notes.wallet.export_private_key",
        "steps.a_steps.exported reaches traffic.start",
        "steps.a_steps.slept is also a when step",
    ]
    for item in expected:
        assert any(line.startswith(item) for line in found), f"missed: {item}\nfound: {found}"
    assert not any("wait_for_screen" in line for line in found), found
    assert len([line for line in found if "apdu_ok" in line]) == 1, found  # the lifecycle read is allowed


def test_the_backend_check_finds_rig_branches_and_sleeps():
    found = backend_branches(load(BAD))
    assert any("'rig'" in line for line in found) and any("'sleep'" in line for line in found), found


def test_the_screen_check_finds_a_screen_shown_in_part():
    assert screens_shown_raw(load(BAD)) == ["steps.a_steps line 35 shows a screen without describe_screen"]
