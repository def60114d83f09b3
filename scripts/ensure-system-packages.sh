#!/usr/bin/env bash
# The Debian packages the tests need, installed when missing with one `apt-get update` + `apt-get install` (needs
# root, as in CI, or passwordless sudo):
#   chromium       the dashboard's browser tests (Playwright cannot download its own browsers here);
#   postgresql     Airflow's metadata database in the deployment test (tests/deployment/, docs/scaling.md);
#   redis-server   the Celery broker in the same test.
# The servers are only installed, never started: the test starts its own on 127.0.0.1 in a temporary folder.
set -euo pipefail
# package|the file that shows it is installed
WANTED=(
  "chromium|${CHROMIUM:-/usr/bin/chromium}"
  "postgresql|$(compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' | head -1 || true)"
  "redis-server|/usr/bin/redis-server"
)
missing=()
for entry in "${WANTED[@]}"; do
  package="${entry%%|*}"
  marker="${entry#*|}"
  [[ -n "$marker" && -x "$marker" ]] || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0
SUDO=""
[[ "$(id -u)" -ne 0 ]] && SUDO="sudo -n"
echo "==> installing Debian's ${missing[*]} for the tests (apt-get; a minute or two)"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian's postgresql package creates and starts a cluster of its own on port 5432; the tests never use it.
for package in "${missing[@]}"; do
  case "$package" in
    chromium) "${CHROMIUM:-/usr/bin/chromium}" --version ;;
    postgresql) "$(compgen -G '/usr/lib/postgresql/*/bin/postgres' | head -1)" --version ;;
    redis-server) redis-server --version ;;
  esac
done
