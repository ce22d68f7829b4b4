"""A stand-in for a flashing tool (stm32loader, openocd, pyocd, st-flash) on a bench with a USB board.

Like the real thing, flashing resets the board, so its USB port (a plain file here) vanishes and comes back a
moment later; a flaky USB link makes early attempts fail. Driven by environment variables:
  FAKE_FLASHER_DIR        where calls.jsonl (one line per run: argv, whether the port was there) is written
  FAKE_FLASHER_PORT       the fake port's path
  FAKE_FLASHER_FAILS      how many first runs fail ("libusb: device disconnected"), default 0
  FAKE_FLASHER_REAPPEAR   seconds until the port is back (default 0.3), or "never"
  FAKE_FLASHER_HANG       seconds to hang before doing anything (a stuck tool)
"""
import json
import os
import subprocess
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    state = Path(os.environ["FAKE_FLASHER_DIR"])
    port = Path(os.environ["FAKE_FLASHER_PORT"])
    time.sleep(float(os.environ.get("FAKE_FLASHER_HANG", "0")))
    calls = state / "calls.jsonl"
    previous = len(calls.read_text().splitlines()) if calls.exists() else 0
    with open(calls, "a") as f:
        f.write(json.dumps({"argv": argv, "port_present": port.exists()}) + "\n")
    port.unlink(missing_ok=True)  # the board resets: its USB device goes away
    reappear = os.environ.get("FAKE_FLASHER_REAPPEAR", "0.3")
    if reappear != "never":
        # A detached helper brings the port back later, as the kernel does when the board re-enumerates.
        helper = "import sys, time, pathlib; time.sleep(float(sys.argv[2])); pathlib.Path(sys.argv[1]).touch()"
        subprocess.Popen([sys.executable, "-c", helper, str(port), reappear], start_new_session=True)
    if previous < int(os.environ.get("FAKE_FLASHER_FAILS", "0")):
        print("Error: libusb: device disconnected during programming", file=sys.stderr)
        return 1
    print("** Programming Finished **\n** Verified OK **\n** Resetting Target **")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
