"""Target modules. Each registers one Target class with rigs.registry.register; they are found by listing."""
