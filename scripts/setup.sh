# Sourced by the run scripts: a virtualenv with keybench's Python dependencies, and with --firmware the ARM
# toolchain and QEMU from Debian's packages. Idempotent: a second run installs nothing new.
set -euo pipefail
KB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KB_VENV="${KB_VENV:-$KB_ROOT/.venv}"
KB_PY="$KB_VENV/bin/python"

kb_apt_install() {
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "keybench: need root (or sudo) to apt-get install: $*" >&2; return 1; fi
  fi
  echo "keybench: installing Debian packages: $*" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

kb_python_env() {
  if [ ! -x "$KB_PY" ]; then
    if ! python3 -m venv "$KB_VENV" 2>/dev/null; then
      rm -rf "$KB_VENV"
      kb_apt_install python3-venv python3-pip
      python3 -m venv "$KB_VENV"
    fi
  fi
  local stamp="$KB_VENV/.keybench-installed"
  if [ ! -f "$stamp" ] || [ "$KB_ROOT/pyproject.toml" -nt "$stamp" ]; then
    "$KB_PY" -m pip install --quiet --upgrade pip
    "$KB_PY" -m pip install --quiet -e "$KB_ROOT[test]"
    touch "$stamp"
  fi
}

kb_firmware_tools() {
  local missing=()
  command -v arm-none-eabi-gcc >/dev/null 2>&1 || missing+=(gcc-arm-none-eabi libnewlib-arm-none-eabi)
  command -v qemu-system-arm >/dev/null 2>&1 || missing+=(qemu-system-arm)
  command -v make >/dev/null 2>&1 || missing+=(make)
  command -v gcc >/dev/null 2>&1 || missing+=(gcc)
  # clang with its runtimes (libFuzzer, ASan, UBSan) for firmware/fuzz (docs/fuzzing.md); the runtimes are only a
  # Recommends of clang, which an apt configured without recommends leaves out.
  if ! command -v clang >/dev/null 2>&1 || ! ls "$(clang -print-resource-dir)"/lib/linux/libclang_rt.fuzzer-*.a \
      >/dev/null 2>&1; then missing+=(clang libclang-rt-dev); fi
  if [ ${#missing[@]} -gt 0 ]; then kb_apt_install "${missing[@]}"; fi
}

# The Allure 3 command (npm package `allure`, a pinned version) for scripts/report, in a folder of its own under
# build/tools (KB_TOOLS to share one elsewhere); Node.js and npm from Debian when missing. `--browser` also installs
# Debian's Chromium, which tests/report loads the HTML report in.
KB_ALLURE_VERSION=3.18.0
kb_report_tools() {
  local tools="${KB_TOOLS:-$KB_ROOT/build/tools}/allure-$KB_ALLURE_VERSION"
  KB_ALLURE="$tools/node_modules/.bin/allure"
  local missing=()
  command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
  if [ "${1:-}" = "--browser" ] && ! command -v chromium >/dev/null 2>&1; then missing+=(chromium); fi
  if [ ${#missing[@]} -gt 0 ]; then kb_apt_install "${missing[@]}"; fi
  if [ ! -x "$KB_ALLURE" ]; then
    echo "keybench: installing allure@$KB_ALLURE_VERSION (npm) into $tools" >&2
    mkdir -p "$tools"
    npm install --prefix "$tools" --no-audit --no-fund --loglevel=error "allure@$KB_ALLURE_VERSION" >&2
  fi
  export KB_ALLURE
}
