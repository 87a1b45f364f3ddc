#!/usr/bin/env bash
# Set up .venv with the project's requirements. Fast when nothing changed (a stamp of the
# requirements files is kept in .venv). Usage: scripts/setup.sh [app|test]
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-app}"
req="requirements.txt"
[ "$mode" = "test" ] && req="requirements-test.txt"

PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $("$PYTHON" --version)" >&2
  "$PYTHON" -m venv .venv
fi
stamp=".venv/.stamp-$mode"
want="$(cat requirements*.txt | sha256sum | cut -c1-16)"
# the test requirements include the app's, so a current test install serves the app too
if [ "$mode" = "app" ] && [ "$(cat .venv/.stamp-test 2>/dev/null)" = "$want" ]; then stamp=".venv/.stamp-test"; fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing $req (first time takes a few minutes)" >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$req"
  # a fresh install's first map should not pay for the ONNX export and UMAP's compilation: do them now
  .venv/bin/python scripts/warm_up.py || echo "setup: the warm-up failed; the app's first run will do it" >&2
  echo "$want" > "$stamp"
fi

if [ "$mode" = "test" ] && [ ! -x /usr/bin/chromium ]; then
  echo "setup: installing Debian's chromium for the browser test" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

# without a CJK font Chromium draws every Chinese character as a box in the browser tests and screenshots
if [ "$mode" = "test" ] && ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; then
  echo "setup: installing Debian's fonts-noto-cjk for Chinese in the browser test" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq fonts-noto-cjk >/dev/null
fi

# the database tests start their own PostgreSQL server (tests/postgres.py) from Debian's binaries
if [ "$mode" = "test" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "setup: installing Debian's postgresql for the database tests" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  # its post-install step may fail to start the packaged cluster where no init system runs; the tests start their own
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql </dev/null >/dev/null \
    || echo "setup: postgresql's installation reported an error; the database tests need /usr/lib/postgresql/*/bin" >&2
fi
