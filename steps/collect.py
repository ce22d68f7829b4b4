"""Feature files are tests by themselves: `pytest features/mine/x.feature`, a folder of them, or the default
features folder, each scenario one item, with no Python module beside them.

Each *.feature file becomes a FeatureFile collector: a pytest Module whose module object is built in memory, with
pytest-bdd's own `scenarios()` binding every scenario in it (outlines, backgrounds, rules and tags as pytest-bdd
does them). Node ids read `features/pin/pin_lockout.feature::test_<scenario name>[<example row>]`.

A project that still binds a feature from a test module (`scenarios("x.feature")`) keeps working: the scenario is
run once, through that module (the copy the FeatureFile made is dropped before -k and -m select).

Every tag is a marker (registered as it is met, so `-m "pin and not slow"` works and --strict-markers never stops
collection); keybench's own tags keep their meaning (steps/tags.py checks them).
"""
from __future__ import annotations

import types
from pathlib import Path

import pytest
from pytest_bdd import scenarios
from pytest_bdd.exceptions import NoScenariosFound
from pytest_bdd.feature import get_feature
from pytest_bdd.scenario import scenario_wrapper_template_registry
from pytest_bdd.utils import registry_get_safe

from keybench.steps.tags import BadTag, check_tags, register_tags

FEATURE_SUFFIX = ".feature"


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    if file_path.suffix == FEATURE_SUFFIX:
        return FeatureFile.from_parent(parent, path=file_path)
    return None


class FeatureFile(pytest.Module):
    """One feature file: its scenarios are the test functions of a module that exists only in memory."""

    def _getobj(self) -> types.ModuleType:
        where = self.path.relative_to(self.config.rootpath) if self.path.is_relative_to(self.config.rootpath) \
            else self.path
        try:
            feature = get_feature(str(self.path.parent), self.path.name)
            check_tags(feature, where)
        except BadTag as exc:
            raise self.CollectError(str(exc)) from None
        register_tags(self.config, feature, where)
        module = types.ModuleType(f"keybench_feature[{where.as_posix()}]")
        module.__file__ = str(self.path)
        try:
            _bind(module, self.path)
        except NoScenariosFound:
            pass  # a feature with no scenario yet: nothing to run, like a test module with no test
        return module


def _bind(module: types.ModuleType, path: Path) -> None:
    """pytest-bdd's scenarios() puts one test function per scenario into the namespace it is called from: here
    the in-memory module's, by running that one call in it."""
    code = compile("scenarios(FEATURE, features_base_dir=FOLDER)", str(path), "exec")
    namespace = module.__dict__
    namespace.update(scenarios=scenarios, FEATURE=path.name, FOLDER=str(path.parent))
    try:
        exec(code, namespace)  # fixed code: only so that scenarios() sees this module as its caller
    finally:
        for name in ("scenarios", "FEATURE", "FOLDER"):
            namespace.pop(name, None)


def _scenario_key(item: pytest.Item) -> tuple[str, str, str] | None:
    template = registry_get_safe(scenario_wrapper_template_registry, getattr(item, "obj", None))
    if template is None:
        return None
    callspec = getattr(item, "callspec", None)
    return str(Path(template.feature.filename).resolve()), template.name, callspec.id if callspec else ""


@pytest.hookimpl(tryfirst=True)  # before -k / -m deselect, so a scenario bound twice is never counted twice
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    bound_by_modules = {key for item in items if not isinstance(item.parent, FeatureFile)
                        and (key := _scenario_key(item)) is not None}
    if bound_by_modules:
        items[:] = [item for item in items
                    if not (isinstance(item.parent, FeatureFile) and _scenario_key(item) in bound_by_modules)]
