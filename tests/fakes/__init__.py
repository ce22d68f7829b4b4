"""Stand-ins for tools this machine lacks (Renode, flashers): they behave as the tools' documentation says."""
