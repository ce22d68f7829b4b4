"""keybench's Gherkin step library, loaded as a pytest plugin: `pytest_plugins = ["steps.plugin"]`."""
