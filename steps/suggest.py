"""An undefined step fails naming the three known steps nearest to it ("did you mean ..."), from the catalogue.

pytest-bdd raises StepDefinitionNotFoundError after calling pytest_bdd_step_func_lookup_error with that same
exception; its message gains the suggestions here, so pytest-bdd's behaviour (the scenario fails at that step)
and every report that shows the error (the terminal, the Cucumber report) stay as they are.
"""
from __future__ import annotations

import difflib

from keybench.steps.catalogue import StepEntry, all_steps

SUGGESTIONS = 3


def similarity(text: str, entry: StepEntry) -> float:
    """How close a written step is to a known one: to its sentence as QA read it, or to its example line."""
    example = entry.example().split(" ", 1)[1]
    return max(difflib.SequenceMatcher(None, text, candidate).ratio() for candidate in (entry.shown, example))


def nearest(kind: str, text: str, entries: list[StepEntry] | None = None, count: int = SUGGESTIONS) -> list[str]:
    """The `count` known steps nearest to `text`; a step of the same kind (given/when/then) wins a tie."""
    entries = all_steps() if entries is None else entries
    ranked = sorted(entries, key=lambda entry: (-similarity(text, entry), kind not in entry.kinds))
    return [f"{entry.keyword} {entry.shown}" for entry in ranked[:count]]


def did_you_mean(kind: str, text: str) -> str:
    lines = "\n".join(f"    {line}" for line in nearest(kind, text))
    return f"\nDid you mean one of these? (every step: `keybench steps`, docs/steps.md)\n{lines}"


def pytest_bdd_step_func_lookup_error(request, feature, scenario, step, exception: Exception) -> None:
    exception.args = (f"{exception.args[0] if exception.args else exception}{did_you_mean(step.type, step.name)}",
                      *exception.args[1:])
