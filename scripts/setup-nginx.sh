#!/bin/sh
# Install Debian's nginx for the production test (tests/test_deploy_nginx.py), which runs it as
# a plain process on a loopback port with docs/deploy/nginx.conf. Idempotent; the service
# Debian would start is stopped and disabled: the test starts its own nginx.
set -eu
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# No service start during the install (containers have no init; a host keeps port 80 free).
OWN_POLICY=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    OWN_POLICY=1
fi
$SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq || true
$SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -qq nginx >/dev/null || true
if [ -n "$OWN_POLICY" ]; then
    $SUDO rm -f /usr/sbin/policy-rc.d
fi
test -x /usr/sbin/nginx
