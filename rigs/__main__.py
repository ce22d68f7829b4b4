"""python -m keybench.rigs doctor --rig NAME [--rig NAME ...]: rig preflight, exit code per rigs.doctor.Verdict."""
from __future__ import annotations

import argparse
import sys

from keybench.rigs.config import RIGS_DIR
from keybench.rigs.doctor import Verdict, diagnose

SEVERITY = [Verdict.READY, Verdict.NOT_INSTALLED, Verdict.BENCH_BROKEN, Verdict.BAD_RIG_FILE]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m keybench.rigs", description="keybench rig tools")
    commands = parser.add_subparsers(dest="command", required=True)
    doctor = commands.add_parser("doctor", help="check that a rig can be reached and its device answers",
                                 epilog="exit codes: 0 ready, 2 rig file not usable, 3 bench broken "
                                        "(the bench, not a test, failed), 4 a tool is not installed here")
    doctor.add_argument("--rig", action="append", metavar="NAME",
                        help="rig name (a .toml in rigs/) or path; repeatable; default sim")
    doctor.add_argument("--all", action="store_true", help="every rig file in rigs/")
    args = parser.parse_args(argv)

    names = list(args.rig or [])
    if args.all:
        names += sorted(p.stem for p in RIGS_DIR.glob("*.toml"))
    verdicts = [diagnose(name) for name in (names or ["sim"])]
    # The worst verdict wins, so a script sees a broken bench even when other rigs are fine.
    return int(max(verdicts, key=SEVERITY.index))


if __name__ == "__main__":
    sys.exit(main())
