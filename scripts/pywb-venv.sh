#!/usr/bin/env bash
# A separate virtualenv with pywb (the replay test's wayback server): pywb 2.10 pins old
# gevent/redis releases that must not enter the project's own environment.
#   scripts/pywb-venv.sh [VENV_DIR]      (default: .venv-pywb in the repository)
# Prints the path of the `wayback` binary; tests read it from THAIGOV_TEST_PYWB.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
venv="${1:-$here/.venv-pywb}"
python="${PYTHON:-python3.11}"
command -v "$python" >/dev/null || python=python3
if [ ! -x "$venv/bin/wayback" ]; then
  "$python" -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet "pywb==2.10.*" >&2
fi
echo "$venv/bin/wayback"
