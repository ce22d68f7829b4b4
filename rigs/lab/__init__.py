"""keybench as a labgrid client: places reserved and locked through a lab's coordinator (docs/lab.md)."""
