#!/usr/bin/env bash
# Debian's Chromium for the browser tests (test/web-client.browser.e2e-spec.ts), installed when
# missing like the broker (apt-get, non-interactive, sudo unless root). Prints its path.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

CHROMIUM=/usr/bin/chromium
if [ ! -x "$CHROMIUM" ]; then
  log "chromium is not installed; installing it from Debian's packages (for the browser tests)"
  apt_install chromium || die "could not install chromium (apt-get exit $?)"
  [ -x "$CHROMIUM" ] || die "chromium was installed but $CHROMIUM is missing"
fi
echo "$CHROMIUM"
