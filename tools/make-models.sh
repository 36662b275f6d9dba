#!/bin/sh
# Retrains every shipped model from ../shared/data, deterministically:
# the same data and this script give bit-identical files (check with
# `sha256sum models/*.model` before and after). Called by `make models`.
#
#   tools/make-models.sh            # all models
#   SHARED=/path/to/shared tools/make-models.sh
#
# Each model's exact command is also recorded in models/README.md.
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
mkdir -p models build

# Two chains on the two cores: the sentence and entity models (which
# need nothing trained here) in the background, the tagger and then the
# parser (which reads the tagger) in the foreground. Each model's output
# is the same whichever runs first.
others() {
    # Sentence-boundary classifier on top of the tokenizer's rules (UD EWT).
    "$BIN" train sent --train "$EWT/train.conllu" --dev "$EWT/dev.conllu" \
        --out models/sent.model --iterations 8 --seed 1

    # Named entities: CoNLL-2003 news model and UNER EWT web model, with the
    # gazetteers (models/gaz, tools/build-gazetteers.sh) and word classes
    # (tools/build-clusters.sh: 1,024 classes for news, where they beat 256
    # by 0.35 F1 on dev; 256 for the web model, where both score the same)
    # as inputs.
    CONLL=$SHARED/data/conll2003
    UNER=$SHARED/data/uner-ewt
    "$BIN" train ner --train "$CONLL/train.txt" --dev "$CONLL/dev.txt" \
        --out models/ner-conll.model --iterations 15 --seed 1 --gaz models/gaz \
        --clusters models/ner-clusters-1024.txt --pos 0 --stages 2 --margin 100
    # The web model learns from UNER EWT train, read twice, and the CoNLL
    # news sentences (their MISC, like UNER's OTH, trained as O): +2.6 F1
    # on UNER dev over UNER alone (doc/internals/ner.md).
    U=$UNER/train.draft-2022-12.iob2
    "$BIN" train ner --train "$U,$U,$CONLL/train.txt" \
        --dev "$UNER/dev.iob2" --out models/ner-web.model --iterations 15 \
        --seed 1 --gaz models/gaz --clusters models/ner-clusters.txt \
        --drop-types OTH,MISC --margin 100 --stages 2 --min-count 2
}
others >build/make-models-others.log 2>&1 &
OTHERS=$!

# Part-of-speech tagger (UD English EWT, UPOS + XPOS). Reads the word
# classes models/ner-clusters.txt (found in the models directory) and
# copies them into pos.model.
"$BIN" train pos --train "$EWT/train.conllu" --dev "$EWT/dev.conllu" \
    --out models/pos.model --iterations 12 --seed 1 --dict-min 1 --margin 100 \
    --prune 1

# Dependency parser: the training set tagged by 10 jackknifed taggers (the
# settings above, with their runner-up tags), dev tagged by
# models/pos.model, so train it after POS.
"$BIN" train parse --train "$EWT/train.conllu" --dev "$EWT/dev.conllu" \
    --pos-model models/pos.model --out models/parse.model --seed 1 \
    --iterations 20 --max-mb 16 --alt-margin 256

if ! wait "$OTHERS"; then
    echo "make-models: the sentence or entity models failed:" >&2
    tail -n 20 build/make-models-others.log >&2
    exit 1
fi
cat build/make-models-others.log
sha256sum models/*.model
