#!/usr/bin/env bash
# The web chat's browser test needs Chromium (Debian package `chromium`). Install it when missing and
# we can (root with apt); otherwise say so: that one test is then skipped with this reason.
set -u
command -v chromium >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Chromium for the browser test (apt, about a minute)..."
  if (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-core) >/tmp/chromium-install.log 2>&1; then
    exit 0
  fi
  echo "warning: could not install Chromium (see /tmp/chromium-install.log); the browser test will be skipped." >&2
else
  echo "note: Chromium is missing (sudo apt install chromium); the browser test will be skipped." >&2
fi
exit 0
