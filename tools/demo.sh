#!/bin/sh
# The demo behind `make demo`: builds a case from the fictional documents
# in examples/ and shows what dossier found. Usage: tools/demo.sh BINARY
set -eu
BIN=$1
DB=build/demo.db
rm -f "$DB" "$DB-wal" "$DB-shm"
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() {
    say "dossier $*"
    "$BIN" --db "$DB" "$@"
}

# Open sources and reports as GREEN; the leaked memo as AMBER, so the
# clearance examples below have something to hide.
run ingest examples/news examples/inbox examples/web examples/reports \
    examples/mail examples/feeds --marking GREEN --source "Demo collection" \
    --reliability C --credibility 3 --verbose
run ingest examples/leaked --marking AMBER --source "Leaked documents" \
    --reliability F
run stats
run docs
run search Renwick --limit 5
run search '"through-life support" OR Vasquez*' --clearance AMBER
say "... and a GREEN viewer sees neither the AMBER memo nor its count:"
"$BIN" --db "$DB" search '"through-life support" OR Vasquez*' --clearance GREEN
run docs 3 --mentions
printf '\nThe case is %s; try: %s --db %s search GREYLARK\n' "$DB" "$BIN" "$DB"
