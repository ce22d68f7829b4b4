"""Binds every .feature file in this folder (pytest-bdd needs a test module to collect them)."""
from pytest_bdd import scenarios

scenarios("backup")
