#!/bin/sh
# Browser tools for the browser tests and benchmarks, all from the ordinary package registries:
# - Debian's Chromium (Playwright drives it via executable_path; never `playwright install`,
#   which downloads a browser);
# - Node.js and npm from Debian when missing, then axe-core and Lighthouse from npm, pinned by
#   scripts/browser-tools/package-lock.json (`npm ci`; --ignore-scripts: no install script
#   downloads anything, Lighthouse uses /usr/bin/chromium).
# Idempotent: does nothing when everything is present.
set -eu
HERE="$(cd "$(dirname "$0")" && pwd)"
TOOLS="$HERE/browser-tools"
SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
UPDATED=""
apt_install() {
    if [ -z "$UPDATED" ]; then
        $SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq || true
        UPDATED=1
    fi
    $SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -qq "$@" >/dev/null
}
if [ ! -x /usr/bin/chromium ]; then
    apt_install chromium
fi
test -x /usr/bin/chromium
if ! command -v npm >/dev/null 2>&1; then
    apt_install nodejs npm
fi
STAMP="$TOOLS/node_modules/.package-lock.json"
if [ ! -f "$STAMP" ] || [ "$TOOLS/package-lock.json" -nt "$STAMP" ]; then
    (cd "$TOOLS" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
test -f "$TOOLS/node_modules/axe-core/axe.min.js"
