"""The keybench command, for what people do outside pytest (`keybench --help`).

Each command hands over to the module that does the work: `run` to pytest with keybench's reports (the same run
as scripts/run-features), `doctor` to rigs/__main__.py, `sim` to simulator/__main__.py, `steps` to
steps/catalogue.py. Exit codes are the README's: a run's are the verdict's (steps/verdict.py), the doctor's the
same 0/2/3/4, and a command line keybench cannot use is 2.
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from keybench import __version__

USAGE = 2  # the README's exit code for a usage error (argparse's own, too)
DEFAULT_FEATURES = "features"
REPORT = Path("build") / "cucumber.json"
EVIDENCE = Path("build") / "evidence"
JUNIT = Path("build") / "junit.xml"
ALLURE_RESULTS = Path("build") / "allure-results"
HELP = ("-h", "--help")

EXAMPLES = {
    "keybench": """examples:
  keybench run                          every feature on the simulator, reports under build/
  keybench run features/pin -k "wrong and not cut"
  keybench doctor --rig sim-tcp         can this rig be reached, and does its device answer?
  keybench rigs                         the rig files and what each can do
  keybench steps                        every step sentence, its parameters and an example
  keybench sim serve --tcp 127.0.0.1:47321 --seed 1

exit codes (README, "Exit codes"): 0 passed, 1 a scenario failed, 2 usage or a bad rig file, 3 the bench broke,
4 a tool the rig needs is not installed, 5 nothing ran""",
    "run": """Runs pytest on the given feature files or folders (default: features), with -v and the Gherkin terminal
reporter, the reports scripts/run-features writes (the Cucumber report build/cucumber.json, JUnit XML
build/junit.xml, Allure results build/allure-results/, emptied first; scripts/report renders them as HTML) and one
evidence folder per scenario under build/evidence (emptied first), all relative to the current folder. Every
argument goes to pytest: keybench's own options (--rig, --allow-missing-rig, --allow-nothing-ran, --show-secrets,
--golden-run, --golden-strict) and pytest's (-k, -m, -x, -n ...).

examples:
  keybench run                                  every feature on the default rig (sim)
  keybench run features/pin/pin_lockout.feature one feature file
  keybench run features/pairing --rig sim-tcp   one folder on another rig
  keybench run -k "binding and code"            scenarios whose names hold both words
  keybench run -m "pin and not needs_power_cut" by tag

-k and -m take an expression: names (or tags) joined with and, or, not and parentheses; a -k name matches
any part of a scenario's test name, case-insensitively ("binding code" with a space is not an expression).

exit codes: 0 passed, 1 a scenario failed, 2 a bad rig file or usage, 3 the bench broke, 4 a tool is missing,
5 nothing ran""",
    "doctor": """examples:
  keybench doctor                       the default rig (sim)
  keybench doctor --rig qemu-stm32f4 --rig sim-tcp
  keybench doctor --rig path/to/bench.toml
  keybench doctor --all                 every rig file in keybench's rigs/

exit codes: 0 ready, 2 rig file not usable, 3 bench broken, 4 a tool is not installed here (the worst rig's)""",
    "rigs": """examples:
  keybench rigs                         keybench's rig files (rigs/*.toml)
  keybench rigs my-benches/             add the rig files of a folder
  keybench rigs my-benches/bench.toml

exit codes: 0 every file read, 2 a rig file could not be read (the others are still listed)""",
    "steps": """examples:
  keybench steps                        the catalogue as text
  keybench steps --markdown             the same in Markdown (docs/steps.md is this output)
  keybench steps --markdown -o docs/steps.md""",
    "sim": """Everything after `sim` goes to the simulator (python -m keybench.simulator); `keybench sim serve --help`
lists its options.

examples:
  keybench sim serve --tcp 127.0.0.1:47321 --seed 1     the simulator behind TCP (the sim-tcp rig's address)
  keybench sim serve --tcp 127.0.0.1:0                  any free port; the first line says which
  keybench sim serve-ble --help                         the simulator as a BLE peripheral""",
}


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="keybench", description="Gherkin scenarios for imKey-style hardware wallets, on a simulator or a bench.",
        epilog=EXAMPLES["keybench"], formatter_class=argparse.RawDescriptionHelpFormatter)
    version = f"keybench {__version__}"
    top.add_argument("--version", action="version", version=version)
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, summary: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=summary, description=summary, epilog=EXAMPLES[name],
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
        sub.add_argument("--version", action="version", version=version)
        return sub

    run = command("run", "run feature files on a rig, with the Cucumber report and evidence (the main job)")
    run.add_argument("pytest_args", nargs="*", metavar="ARG", help="feature files, folders and pytest options")
    doctor = command("doctor", "check that a rig can be reached and its device answers")
    doctor.add_argument("--rig", action="append", metavar="NAME", help="rig name or path to a rig file; repeatable")
    doctor.add_argument("--all", action="store_true", help="every rig file in keybench's rigs/")
    rigs = command("rigs", "list rig files: target, capabilities, description")
    rigs.add_argument("paths", nargs="*", metavar="PATH", help="more rig files, or folders of them")
    steps = command("steps", "list every step sentence with its parameters, allowed values and an example")
    steps.add_argument("--markdown", action="store_true", help="Markdown, as in docs/steps.md")
    steps.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE instead of the terminal")
    sim = command("sim", "the device simulator: serve it over TCP or as a BLE peripheral")
    sim.add_argument("sim_args", nargs="*", metavar="ARG", help="the simulator's command and options")
    return top


def run_features(args: list[str]) -> int:
    import pytest

    if not args or args[0].startswith("-"):
        args = [DEFAULT_FEATURES, *args]
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(ALLURE_RESULTS, ignore_errors=True)  # this run's results only; xdist workers must not empty it
    # No Hypothesis plugin, as in scripts/run-features: the features use none, and it costs every xdist worker.
    return int(pytest.main([*args, "--gherkin-terminal-reporter", "-v", "-p", "no:hypothesispytest",
                            "--cucumber-report", str(REPORT),
                            "--evidence", str(EVIDENCE), "--junitxml", str(JUNIT), "--alluredir",
                            str(ALLURE_RESULTS)]))


def doctor(args: argparse.Namespace) -> int:
    from keybench.rigs.__main__ import main as rigs_main

    return rigs_main(["doctor", *[f"--rig={name}" for name in args.rig or []], *(["--all"] if args.all else [])])


def rig_files(paths: list[str]) -> list[Path]:
    from keybench.rigs.config import RIGS_DIR

    files = sorted(RIGS_DIR.glob("*.toml"))
    for given in map(Path, paths):
        files += sorted(given.glob("*.toml")) if given.is_dir() else [given]
    return files


def list_rigs(args: argparse.Namespace) -> int:
    from keybench.rigs.config import RigError, load_rig

    status = 0
    for path in rig_files(args.paths):
        try:
            rig = load_rig(str(path))
        except RigError as exc:
            print(f"keybench: {exc}", file=sys.stderr)
            status = USAGE
            continue
        print(f"{rig.name}  ({path})")
        print(f"    target: {rig.target}{'  (a physical device)' if rig.physical else ''}")
        print(f"    capabilities: {', '.join(sorted(rig.capabilities)) or 'none'}")
        if rig.description:
            print(f"    {' '.join(rig.description.split())}")
    return status


def steps(args: argparse.Namespace) -> int:
    from keybench.steps.catalogue import as_markdown, as_text, catalogue

    text = as_markdown(catalogue()) if args.markdown else as_text(catalogue())
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.output}")
    else:
        sys.stdout.write(text)
    return 0


def simulator(args: argparse.Namespace, top: argparse.ArgumentParser) -> int:
    if not args.sim_args:
        top.parse_args(["sim", "--help"])
    from keybench.simulator.__main__ import main as simulator_main

    return simulator_main(args.sim_args)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    top = parser()
    # A command that hands its arguments on takes them as they are (pytest's and the simulator's options included);
    # only its own --help and --version are keybench's.
    if argv[:1] in (["run"], ["sim"]) and not set(argv[1:2]) & {*HELP, "--version"}:
        passed = argv[1:]
        if argv[0] == "run":
            return run_features(passed)
        return simulator(argparse.Namespace(sim_args=passed), top)
    args = top.parse_args(argv)
    if args.command == "run":
        return run_features(args.pytest_args)
    if args.command == "sim":
        return simulator(args, top)
    return {"doctor": doctor, "rigs": list_rigs, "steps": steps}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
