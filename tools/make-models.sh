#!/bin/sh
# Retrains every shipped model from ../shared/data, deterministically:
# the same data and this script give bit-identical files (check with
# `sha256sum models/*.model` before and after). Called by `make models`.
#
#   tools/make-models.sh            # all models
#   SHARED=/path/to/shared tools/make-models.sh
#
# Each model's exact command is also recorded in models/README.md. The NER
# and parser lines go below the POS one.
set -eu
cd "$(dirname "$0")/.."
SHARED=${SHARED:-${DOSSIER_SHARED:-../shared}}
BIN=${BIN:-build/release/dossier}
EWT=$SHARED/data/ud-ewt
if [ ! -f "$EWT/train.conllu" ]; then
    echo "make-models: no $EWT/train.conllu (set SHARED=DIR)" >&2
    exit 1
fi
[ -x "$BIN" ] || make -j2 "$BIN"
mkdir -p models

# Part-of-speech tagger (UD English EWT, UPOS + XPOS).
"$BIN" train pos --train "$EWT/train.conllu" --dev "$EWT/dev.conllu" \
    --out models/pos.model --iterations 12 --seed 1

sha256sum models/*.model
