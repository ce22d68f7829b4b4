"""The root conftest: load the keybench step library as a pytest plugin."""
pytest_plugins = ["steps.plugin"]
