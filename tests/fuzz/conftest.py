"""Hypothesis profiles for the fuzz tests, and the figures a run prints.

    pytest tests/fuzz                              # profile "ci": bounded, what run-all-tests runs
    pytest tests/fuzz --hypothesis-profile=long    # the campaign (scripts/fuzz-campaign)

deadline=None in both: the machine is shared and timing noise is not a bug. The long profile must be named with
tests/fuzz on the command line (this conftest registers it before pytest reads the option).
"""
from __future__ import annotations

from hypothesis import HealthCheck, settings

import fuzzkit

# Slow set-up per example (a firmware process, a keystore KDF) is expected here, not a health problem.
_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]

settings.register_profile("ci", max_examples=100, stateful_step_count=40, deadline=None,
                          suppress_health_check=_QUIET, print_blob=True)
settings.register_profile("long", max_examples=5_000, stateful_step_count=80, deadline=None,
                          suppress_health_check=_QUIET, print_blob=True)


def pytest_configure(config):
    if not config.getoption("--hypothesis-profile", default=None):
        settings.load_profile("ci")


def pytest_terminal_summary(terminalreporter):
    if any(fuzzkit.COUNTS.values()):
        terminalreporter.write_sep("-", "fuzz figures")
        for name, count in sorted(fuzzkit.COUNTS.items()):
            terminalreporter.write_line(f"{name}: {count:,}")
