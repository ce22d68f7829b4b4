"""The step catalogue: every step sentence, its parameters with their allowed values, grouped by topic (the step
module), one example line each. `keybench steps` prints it; `keybench steps --markdown` is docs/steps.md.

It is read from the step definitions themselves (pytest-bdd's step fixtures in steps/*_steps.py), so it cannot
miss a step; each parameter's meaning and allowed values come from PARAMETERS below, which names the same tables
the steps check their values against. A step whose parameter is not described here, or whose example does not
match its own sentence, makes the catalogue fail to build (tests/qa/test_qa_catalogue.py).
"""
from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from types import ModuleType

from pytest_bdd.parsers import StepParser
from pytest_bdd.steps import StepFunctionContext, step_function_context_registry
from pytest_bdd.utils import registry_get_safe

from keybench.protocol.status import SW
from keybench.steps import backup_steps, device_steps
from keybench.steps.phrases import BIND_STATUS, COINS, LIFECYCLE, MAX_PIN_ATTEMPTS, PHONE_OF, PIN_RULE

STEP_PLUGINS = "keybench.steps.plugin"  # its pytest_plugins list names the step modules
KEYWORDS = ("given", "when", "then")
TITLES = {"pin": "PIN"}  # a topic's title, where the module name's capitalised form reads wrongly
PLACEHOLDER = re.compile(r"\{(\w+)(?::(\w+))?\}")


@dataclass(frozen=True)
class Parameter:
    meaning: str
    example: str
    values: tuple[str, ...] = ()  # the only values a step takes; empty: any text that `meaning` describes

    def allowed(self) -> str:
        return " | ".join(f'"{value}"' for value in self.values) if self.values else self.meaning


PARAMETERS = {
    "app": Parameter("which phone's companion app", "the app", tuple(PHONE_OF)),
    "coin": Parameter("the coin", "ETH", tuple(COINS)),
    "path": Parameter("a BIP32 derivation path", "m/44'/60'/0'/0/0"),
    "address": Parameter("an address as the app shows it: ETH 0x... (EIP-55), BTC 1... (m/44'), 3... (m/49') "
                         "or bc1... (m/84')", "0x9858EfFD232B4033E47d90003D41EC34EcaEda94"),
    "pin": Parameter(f"a PIN, {PIN_RULE}; a step that tries a PIN may give a malformed one on purpose", "123456"),
    "other": Parameter("the PIN typed the second time", "654321"),
    "count": Parameter("a mnemonic length in words: 12, 15, 18, 21 or 24", "12"),
    "entropy": Parameter("BIP39 entropy in hex (32 hex digits for 12 words ... 64 for 24)",
                         "9e885d952ad362caeb4efe34a8e91bd2"),
    "mnemonic": Parameter("BIP39 words separated by spaces",
                          "legal winner thank year wave sausage worth useful legal winner thank yellow"),
    "times": Parameter("how many times: a whole number", "3"),
    "write": Parameter("which storage write of the PIN attempt the power is cut at: 1, 2, ...", "2"),
    "wrong": Parameter(f"wrong PINs in a row: 0 to {MAX_PIN_ATTEMPTS - 1} (the {MAX_PIN_ATTEMPTS}th wipes the "
                       "device)", "3"),
    "limit": Parameter("a whole number", str(MAX_PIN_ATTEMPTS)),
    "text": Parameter("text that some line of the screen contains", "Set PIN"),
    "screen": Parameter('every line of the screen in order, joined with " / "',
                        "Enter PIN / Wrong PIN / 2 attempts left"),
    "timeout": Parameter(f"seconds, above 0 and at most {device_steps.LONGEST_WAIT_S:g}", "5"),
    "state": Parameter("the device's lifecycle state", "ready", tuple(LIFECYCLE)),
    "status": Parameter("what the app's bind check says", "unbound", tuple(BIND_STATUS)),
    "answer": Parameter("a status word the device answered (as written, or with underscores)", "PIN not verified",
                        tuple(s.name.lower().replace("_", " ") for s in SW if s is not SW.OK)),
    "code": Parameter("a binding code as typed: 8 characters of A-Z and 2-9 without I and O (any text, to test "
                      "refusals)", "ABCD2345"),
    "kind": Parameter("the kind of error the app shows, as rigs/app names it (authcode_error, illegal_argument, "
                      "not_connected ...)", "authcode_error"),
    "reason": Parameter("text of the device's refusal", "bad checksum"),
    "which": Parameter("which software wallet", "imported", ("imported", "software")),
    "password": Parameter("a password, by name (the value stays out of the feature)", "the wallet password",
                          tuple(backup_steps.PASSWORDS)),
}

# A step whose example the parameters' own examples would make read wrongly.
EXAMPLE_VALUES = {
    "the user enters a wrong PIN {times:d} time": {"times": "1"},
    "the device screen shows \"{text}\" within {timeout} seconds": {"text": "Set PIN"},
    'the {coin} address at "{path}" is "{address}"': {},
}


@dataclass(frozen=True)
class StepEntry:
    kinds: tuple[str, ...]  # ("given", "when") for a sentence that is both
    sentence: str  # as pytest-bdd parses it: '{app:App} connects to the device'
    module: str
    doc: str
    parsers: tuple[StepParser, ...] = field(default=(), compare=False, repr=False)  # pytest-bdd's, one per kind

    def matches(self, kind: str, text: str) -> bool:
        """Would pytest-bdd run this step for a `kind` step reading `text`?"""
        return kind in self.kinds and any(parser.is_matching(text) for parser in self.parsers)

    @property
    def params(self) -> list[str]:
        return [match.group(1) for match in PLACEHOLDER.finditer(self.sentence)]

    @property
    def shown(self) -> str:
        """The sentence as QA read it: '{app} connects to the device'."""
        return PLACEHOLDER.sub(lambda m: "{" + m.group(1) + "}", self.sentence)

    @property
    def keyword(self) -> str:
        return "/".join(kind.capitalize() for kind in self.kinds)

    def example(self) -> str:
        values = {name: PARAMETERS[name].example for name in self.params} | EXAMPLE_VALUES.get(self.sentence, {})
        line = PLACEHOLDER.sub(lambda m: values[m.group(1)], self.sentence)
        return f"{self.kinds[0].capitalize()} {line}"


@dataclass(frozen=True)
class Topic:
    module: str  # "keybench.steps.pin_steps"
    title: str  # "PIN"
    summary: str  # the module docstring's first paragraph
    steps: tuple[StepEntry, ...]


class CatalogueError(Exception):
    """A step the catalogue cannot describe: a parameter not in PARAMETERS, an example its sentence refuses."""


def step_modules() -> list[ModuleType]:
    plugins = importlib.import_module(STEP_PLUGINS).pytest_plugins
    return [importlib.import_module(name) for name in plugins if name.endswith("_steps")]


def contexts(module: ModuleType) -> list[StepFunctionContext]:
    """The step definitions a module holds, in source order (pytest-bdd keeps each as a fixture in the module)."""
    found = []
    for value in vars(module).values():
        context = registry_get_safe(step_function_context_registry, getattr(value, "__wrapped__", None))
        if context is not None and context.step_func.__module__ == module.__name__:
            found.append(context)
    return sorted(found, key=lambda c: (c.step_func.__code__.co_firstlineno, KEYWORDS.index(c.type or "given")))


def topic_of(module: ModuleType) -> Topic:
    entries: dict[str, StepEntry] = {}
    for context in contexts(module):
        sentence = context.parser.name
        old = entries.get(sentence)
        kinds = (old.kinds if old else ()) + (context.type or "given",)
        parsers = (old.parsers if old else ()) + (context.parser,)
        doc = (context.step_func.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
        entries[sentence] = StepEntry(tuple(sorted(set(kinds), key=KEYWORDS.index)), sentence, module.__name__, doc,
                                      parsers)
    for entry in entries.values():
        check(entry)
    doc = (module.__doc__ or "").strip()
    summary = doc.split("\n\n")[0].replace("\n", " ")
    name = module.__name__.rsplit(".", 1)[1].removesuffix("_steps")
    title = TITLES.get(name, name.title())
    return Topic(module.__name__, title, summary, tuple(entries.values()))


def check(entry: StepEntry) -> None:
    unknown = [name for name in entry.params if name not in PARAMETERS]
    if unknown:
        raise CatalogueError(f"{entry.module}: the step {entry.shown!r} has parameter(s) {unknown} that "
                             f"steps/catalogue.py PARAMETERS does not describe")
    sentence = entry.example().split(" ", 1)[1]
    if not all(parser.is_matching(sentence) for parser in entry.parsers):
        raise CatalogueError(f"{entry.module}: the example {sentence!r} does not match its step {entry.shown!r}")


def catalogue() -> list[Topic]:
    return [topic_of(module) for module in step_modules()]


def all_steps() -> list[StepEntry]:
    return [entry for topic in catalogue() for entry in topic.steps]


def source_of(module: str) -> str:
    """'keybench.steps.pin_steps' -> steps/pin_steps.py, the file as the repository lays it out."""
    return module.removeprefix("keybench.").replace(".", "/") + ".py"


def as_text(topics: list[Topic]) -> str:
    lines = []
    for topic in topics:
        lines += [f"{topic.title} ({source_of(topic.module)}): {topic.summary}", ""]
        for entry in topic.steps:
            lines.append(f"  {entry.keyword} {entry.shown}")
            lines += [f"      {{{name}}} = {PARAMETERS[name].allowed()}" for name in dict.fromkeys(entry.params)]
            lines.append(f"      e.g. {entry.example()}")
        lines.append("")
    return "\n".join(lines)


def as_markdown(topics: list[Topic]) -> str:
    count = sum(len(topic.steps) for topic in topics)
    lines = ["# Steps", "",
             f"Every step sentence keybench defines ({count} of them), by topic. A `{{name}}` is a parameter; its "
             "allowed values follow (\"a\" | \"b\": only these). Generated from the step definitions by "
             "`keybench steps --markdown`; tests/qa/test_qa_catalogue.py checks that this file is what that command "
             "writes and that every step of features/ is here. A step written as `Given/When` may be used as either.",
             ""]
    for topic in topics:
        lines += [f"## {topic.title}", "", f"{topic.summary} (`{source_of(topic.module)}`)", ""]
        for entry in topic.steps:
            lines.append(f"- `{entry.keyword} {entry.shown}`")
            if entry.doc:
                lines.append(f"  {entry.doc}")
            lines += [f"  - `{{{name}}}` = {PARAMETERS[name].allowed()}" for name in dict.fromkeys(entry.params)]
            lines.append(f"  - example: `{entry.example()}`")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
