#!/usr/bin/env bash
# Playwright cannot download its own browsers here (its CDN is unreachable): the dashboard's browser tests drive
# Debian's chromium instead (../shared/STACK-NOTES.md). Installs it when missing; needs root or passwordless sudo.
set -euo pipefail
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
[[ -x "$CHROMIUM" ]] && exit 0
SUDO=""
[[ "$(id -u)" -ne 0 ]] && SUDO="sudo -n"
echo "==> installing Debian's chromium for the dashboard's browser tests (apt-get; about a minute)"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
"$CHROMIUM" --version
