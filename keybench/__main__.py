"""python -m keybench: the keybench command without its console script."""
import sys

from keybench.cli import main

sys.exit(main())
