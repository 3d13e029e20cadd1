#!/bin/sh
# Install Debian's Chromium for the browser tests (Playwright drives it via executable_path;
# never `playwright install`, which downloads a browser). Idempotent: does nothing when present.
set -eu
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq || true
$SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -qq chromium >/dev/null
test -x /usr/bin/chromium
