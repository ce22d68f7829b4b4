"""keybench's Gherkin step library: `keybench.steps.plugin` is the pytest plugin, registered by keybench's
pytest11 entry point."""
