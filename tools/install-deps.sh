#!/bin/sh
# Installs the Debian 12 packages dossier needs to build and test, when any
# is missing. Idempotent: does nothing (and needs no network) when all are
# present. Run as root, or with sudo available.
set -eu
PKGS="build-essential pkg-config libsqlite3-dev libutf8proc-dev libgumbo-dev
libjansson-dev libsodium-dev clang-format sqlite3"
missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
        grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "install-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
