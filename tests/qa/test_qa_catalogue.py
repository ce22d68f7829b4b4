"""The step catalogue: docs/steps.md is `keybench steps --markdown`, every step of the repo's features is in it,
every example line is accepted by its own step, and a parameter nobody described stops the catalogue."""
from __future__ import annotations

import pytest
from pytest_bdd.feature import get_features
from pytest_bdd.parsers import parse

from qa_project import ROOT, run
from keybench.steps import catalogue
from keybench.steps.catalogue import CatalogueError, StepEntry

DOC = ROOT / "docs" / "steps.md"


def test_docs_steps_md_is_what_keybench_steps_markdown_writes():
    result = run(ROOT, "keybench", "steps", "--markdown")
    assert result.returncode == 0, result.stderr
    assert result.stdout == DOC.read_text(encoding="utf-8"), \
        "docs/steps.md is stale: regenerate it with `keybench steps --markdown -o docs/steps.md`"


def feature_steps():
    """(kind, text, where) of every step of every scenario in features/, outline rows rendered."""
    for feature in get_features([str(ROOT / "features")]):
        for template in feature.scenarios.values():
            rows = [row for examples in template.examples for row in examples.as_contexts()] or [{}]
            for row in rows:
                for step in template.render(row).steps:
                    yield step.type, step.name, f"{feature.rel_filename}:{step.line_number}"


def test_every_step_of_the_features_is_in_the_catalogue():
    entries = catalogue.all_steps()
    used = list(feature_steps())
    assert len(used) > 300, f"only {len(used)} steps found in features/: the scan is broken"
    missing = sorted({f"{where}: {kind} {text}" for kind, text, where in used
                      if not any(entry.matches(kind, text) for entry in entries)})
    assert not missing, "steps used in features/ that the catalogue lacks:\n" + "\n".join(missing)


def test_every_parameter_says_its_allowed_values_and_every_step_has_an_example():
    text = catalogue.as_text(catalogue.catalogue())
    assert '{app} = "the app" | "the new phone\'s app"' in text
    assert '{coin} = "ETH" | "BTC"' in text
    assert '{state} = "PIN unset" | "wallet unready" | "creating" | "recovering" | "ready"' in text
    for entry in catalogue.all_steps():
        assert entry.example().split(" ", 1)[0] in ("Given", "When", "Then"), entry


def test_a_step_with_an_undescribed_parameter_stops_the_catalogue():
    sentence = "the {colour} light is on"
    entry = StepEntry(("then",), sentence, "keybench.steps.example_steps", "", (parse(sentence),))
    with pytest.raises(CatalogueError, match=r"parameter\(s\) \['colour'\].*PARAMETERS"):
        catalogue.check(entry)


def test_an_example_its_own_step_refuses_stops_the_catalogue():
    refusing = parse("the user enters a wrong PIN {times:d} time exactly")
    entry = StepEntry(("when",), "the user enters a wrong PIN {times:d} times", "keybench.steps.pin_steps", "",
                      (refusing,))
    with pytest.raises(CatalogueError, match="does not match its step"):
        catalogue.check(entry)
