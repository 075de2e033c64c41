#!/usr/bin/env bash
# Creates .venv with Python 3.10 and installs the pinned, hash-checked dependencies (requirements.txt for
# the product, requirements-dev.txt for the tests), only when they (or the Python) changed since the last
# install. Rasa 3.6 needs Python 3.10: 3.11+ will not work.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv

is_py310() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1; }

find_python() {
  local candidates=()
  [ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
  candidates+=(python3.10)
  if command -v pyenv >/dev/null 2>&1; then
    for p in "$(pyenv root)"/versions/3.10*/bin/python3.10; do candidates+=("$p"); done
  fi
  candidates+=(/usr/bin/python3.10 /usr/local/bin/python3.10 python3)
  for c in "${candidates[@]}"; do
    if is_py310 "$c"; then command -v "$c" 2>/dev/null || echo "$c"; return 0; fi
  done
  return 1
}

if ! PY=$(find_python); then
  cat >&2 <<'MSG'
error: Python 3.10 was not found (Rasa 3.6 needs Python 3.10; 3.11 and newer do not work).
  Get it with one of:
    pyenv install 3.10          (then run make again)
    sudo apt install python3.10 python3.10-venv
  or point to an existing one:  make run PYTHON=/path/to/python3.10
MSG
  exit 1
fi

if [ -x "$VENV/bin/python" ] && ! is_py310 "$VENV/bin/python"; then
  echo "Removing $VENV: it was made with another Python version."; rm -rf "$VENV"
fi
if [ ! -x "$VENV/bin/python" ]; then
  echo "Creating $VENV with $PY"
  "$PY" -m venv "$VENV"
fi

want=$( (cat requirements.txt requirements-dev.txt; "$VENV/bin/python" -V) | sha256sum | cut -c1-16)
have=$(cat "$VENV/.requirements.sha" 2>/dev/null || true)
if [ "$want" != "$have" ]; then
  echo "Installing pinned dependencies into $VENV (first time: about 3-5 minutes)..."
  log=$(mktemp)
  # Every file is checked against the sha256 in the lock files (tools/lock.py); the venv's own pip does it.
  if ! "$VENV/bin/python" -m pip install -q --disable-pip-version-check --require-hashes \
         -r requirements.txt -r requirements-dev.txt >"$log" 2>&1; then
    echo "error: dependency installation failed; last lines of the pip log:" >&2
    grep -v "is ignored: it is neither a file nor a directory" "$log" | tail -n 30 >&2
    exit 1
  fi
  rm -f "$log"
  echo "$want" > "$VENV/.requirements.sha"
  echo "Dependencies installed."
fi
