#!/usr/bin/env bash
# FacePay Street entry point for a fresh Debian 12 with Python 3.11:
#   ./street.sh run    install everything, migrate, seed the demo street, serve http://127.0.0.1:8000
#   ./street.sh test   lint + the whole test suite (the real-stack suite too when DATABASE_URL
#                      and REDIS_URL are set)
# It installs the few Debian packages the build needs, then hands over to the Makefile.
set -euo pipefail
cd "$(dirname "$0")"

sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
needed=()
for package in make gcc g++ python3-dev python3-venv; do
  dpkg -s "$package" >/dev/null 2>&1 || needed+=("$package")
done
if [ ${#needed[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${needed[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${needed[@]}"
fi

case "${1:-}" in
  run) exec make run ;;
  test) exec make test ;;
  *) echo "usage: ./street.sh run | test" >&2; exit 2 ;;
esac
