"""Tags are free: every tag written in a feature file is a registered marker, so `-m "pin and not slow"` selects by
it and --strict-markers (or the PytestUnknownMarkWarning filter) never stops collection.

keybench's own tags keep their meaning: `@needs_<capability>` skips a scenario on a rig without it, `@wipes_device`
guards physical devices (steps/plugin.py). A tag that looks like one of them and is not (`@needs_powr_cut`,
`@wipes_devices`) would silently do nothing, so it is a collection error naming the known ones.
"""
from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from pytest_bdd.parser import Feature

from keybench.rigs.config import KNOWN_CAPABILITIES
from keybench.rigs.guard import WIPE_TAG

NEEDS = "needs_"
KEYBENCH_TAGS = tuple(sorted(f"{NEEDS}{cap}" for cap in KNOWN_CAPABILITIES)) + (WIPE_TAG,)


class BadTag(Exception):
    """A tag meant as one of keybench's own that is not one."""


def tags_in(feature: Feature) -> list[tuple[str, str]]:
    """(tag, where it is written) for every tag of the feature, its rules, scenarios and example tables."""
    found = [(tag, f"the feature (line {feature.line_number})") for tag in sorted(feature.tags)]
    for scenario in feature.scenarios.values():
        where = f"scenario {scenario.name!r} (line {scenario.line_number})"
        found += [(tag, where) for tag in sorted(scenario.tags)]
        if scenario.rule is not None:
            found += [(tag, f"rule {scenario.rule.name!r}") for tag in sorted(scenario.rule.tags)]
        for examples in scenario.examples:
            found += [(tag, f"the examples on line {examples.line_number}") for tag in sorted(examples.tags)]
    return found


def misspelt(tag: str) -> bool:
    """A `needs_` tag that is not a capability, or a near miss of a keybench tag (one or two letters off)."""
    if tag in KEYBENCH_TAGS:
        return False
    return tag.startswith(NEEDS) or bool(difflib.get_close_matches(tag, KEYBENCH_TAGS, n=1, cutoff=0.85))


def check_tags(feature: Feature, path: Path) -> None:
    for tag, where in tags_in(feature):
        if misspelt(tag):
            near = difflib.get_close_matches(tag, KEYBENCH_TAGS, n=1, cutoff=0.6)
            hint = f"did you mean @{near[0]}? " if near else ""
            raise BadTag(f"{path}: @{tag} on {where} is not a keybench tag; {hint}"
                         f"known: {', '.join('@' + known for known in KEYBENCH_TAGS)}")


def register_tag(config: pytest.Config, tag: str, source: str) -> None:
    known = {line.split(":", 1)[0].split("(", 1)[0].strip() for line in config.getini("markers")}
    if tag not in known:
        config.addinivalue_line("markers", f"{tag}: a tag in {source}")


def register_tags(config: pytest.Config, feature: Feature, path: Path) -> None:
    for tag, _ in tags_in(feature):
        register_tag(config, tag, path.as_posix())


class TagMarkers:
    """The tags of scenarios bound by a test module (`scenarios("x.feature")`) are registered as pytest-bdd
    applies them, so such a project gets free tags too."""

    def __init__(self, config: pytest.Config):
        self.config = config

    def pytest_bdd_apply_tag(self, tag: str, function) -> None:
        if misspelt(tag):
            raise BadTag(f"@{tag} is not a keybench tag; known: {', '.join('@' + t for t in KEYBENCH_TAGS)}")
        register_tag(self.config, tag, "a feature file")
        return None  # pytest-bdd's own implementation applies the marker


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(TagMarkers(config), "keybench-tag-markers")
