#!/bin/sh
# bench/opennlp.sh - Apache OpenNLP's name finder next to dossier's, in the
# same run, on the same CoNLL-2003 files: F1 on dev (conlleval rules, which
# OpenNLP's evaluator follows) and tokens/s, with the ratio.
#
#   bench/opennlp.sh [DOSSIER_BINARY]      (part of `make bench`)
#
# Installs Debian's opennlp 2.1 when missing (it is not a dependency of
# dossier). Training OpenNLP takes about 75 s on one core. Prints figures;
# it is not a test.
set -eu
BIN=${1:-build/release/dossier}
SHARED=${DOSSIER_SHARED:-../shared}
TRAIN=$SHARED/data/conll2003/train.txt
DEV=$SHARED/data/conll2003/dev.txt
if [ ! -f "$TRAIN" ] || [ ! -f "$DEV" ]; then
    echo "opennlp bench: skipped: no CoNLL-2003 data in $SHARED/data"
    exit 0
fi
if ! command -v opennlp >/dev/null 2>&1; then
    echo "opennlp bench: installing Debian's opennlp (not a dossier dependency)"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO=sudo
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
        --no-install-recommends opennlp libapache-opennlp-java \
        default-jre-headless >/dev/null
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/dossier-opennlp.XXXXXX")
trap 'rm -rf "$T"' EXIT
now() { date +%s.%N; }

echo "== OpenNLP $(opennlp 2>&1 | head -n 1 | sed 's/^OpenNLP \([0-9.]*\).*/\1/') name finder, CoNLL-2003 train -> dev"
t0=$(now)
opennlp TokenNameFinderTrainer.conll03 -model "$T/ner.bin" -lang eng \
    -types per,loc,org,misc -data "$TRAIN" -encoding UTF-8 >"$T/train.log" 2>&1
t1=$(now)
echo "  trained in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
opennlp TokenNameFinderEvaluator.conll03 -model "$T/ner.bin" -lang eng \
    -types per,loc,org,misc -data "$DEV" -encoding UTF-8 >"$T/eval.log" 2>&1
o_f1=$(grep 'TOTAL:' "$T/eval.log" | sed -E 's/.*F1: *([0-9.]+)%.*/\1/')
grep -E 'TOTAL|person|location|organization|misc' "$T/eval.log" | sed 's/^/  /'

# Speed: the dev sentences, tokenized, five times over, through the name
# finder; the first pass warms the JVM, so time two runs of 1x and 5x and
# take the difference (warm tokens/s).
awk 'BEGIN { line = "" }
     /^-DOCSTART-/ { next }
     NF == 0 { if (line != "") print line; line = ""; next }
     { line = (line == "" ? $1 : line " " $1) }
     END { if (line != "") print line }' "$DEV" >"$T/dev1.txt"
for i in 1 2 3 4 5; do cat "$T/dev1.txt"; done >"$T/dev5.txt"
ntok=$(wc -w <"$T/dev1.txt")
t0=$(now)
opennlp TokenNameFinder "$T/ner.bin" <"$T/dev1.txt" >/dev/null 2>&1
t1=$(now)
opennlp TokenNameFinder "$T/ner.bin" <"$T/dev5.txt" >/dev/null 2>&1
t2=$(now)
o_tps=$(awk -v n="$ntok" -v a="$t0" -v b="$t1" -v c="$t2" \
    'BEGIN { printf "%.0f", 4 * n / ((c - b) - (b - a)) }')

echo "== dossier ($BIN)"
"$BIN" eval ner "$DEV" --json >"$T/dossier.json"
d_f1=$(sed -E 's/.*"overall":\{[^}]*"f1":([0-9.]+).*/\1/' "$T/dossier.json")
d_tps=$(sed -E 's/.*"tokens_per_s":([0-9.e+]+).*/\1/' "$T/dossier.json")
"$BIN" eval ner "$DEV" | sed 's/^/  /'

echo
printf '%-10s %8s %14s\n' "" "dev F1" "tokens/s"
printf '%-10s %8s %14s\n' "OpenNLP" "$o_f1" "$o_tps"
printf '%-10s %8s %14.0f\n' "dossier" "$d_f1" "$d_tps"
awk -v a="$d_f1" -v b="$o_f1" -v x="$d_tps" -v y="$o_tps" 'BEGIN {
    printf "F1 difference: %+.2f points; speed ratio: x%.1f\n", a - b, x / y }'
