# tests/cli/cli.sh - the command line end to end: ingest of every demo
# format, duplicates, bad input, exit codes, help and usage errors.
. "$(dirname "$0")/lib.sh"
D="$DOSSIER --db $T/case.db"

# Help everywhere, exit 0, on stdout.
for c in ingest search docs stats case eval help; do
    $DOSSIER $c --help >"$T/h" 2>"$T/herr"
    check_rc "$c --help exits 0" 0 $?
    check_grep "$c --help prints usage" 'usage|dossier' "$T/h"
done
$DOSSIER version >"$T/v"
check_grep "version" '^dossier [0-9]' "$T/v"

# Usage errors exit 2 and say what.
$DOSSIER frobnicate 2>"$T/err"
check_rc "unknown command exits 2" 2 $?
check_grep "unknown command named" "frobnicate" "$T/err"
$D ingest --bogus examples 2>"$T/err"
check_rc "unknown option exits 2" 2 $?
check_grep "unknown option named" "bogus" "$T/err"
$D ingest 2>"$T/err"
check_rc "ingest without PATH exits 2" 2 $?
$D ingest examples/news --reliability Z 2>"$T/err"
check_rc "bad reliability exits 2" 2 $?
$D ingest examples/news --credibility 9 2>"$T/err"
check_rc "bad credibility exits 2" 2 $?
$D ingest examples/news --marking PURPLE 2>"$T/err"
check_rc "unknown marking exits 2" 2 $?
check_grep "known levels listed" "AMBER" "$T/err"
$D search 2>"$T/err"
check_rc "search without query exits 2" 2 $?

# Reading a case that does not exist is a clear failure, and creates nothing.
$DOSSIER --db "$T/none.db" stats 2>"$T/err"
check_rc "missing case exits 1" 1 $?
check_grep "missing case named" "none.db" "$T/err"
[ -e "$T/none.db" ] && not_ok "read created no file" "exists" || ok "read created no file"

# Ingest the demo case: every format.
$D ingest examples/news examples/inbox examples/web examples/reports \
    examples/mail examples/feeds examples/leaked --marking GREEN \
    --source Demo --jobs 2 >"$T/out" 2>"$T/err"
check_rc "ingest of the demo exits 0" 0 $?
check_grep "summary" 'stored [0-9]+, near-duplicates 1, duplicates 1, failed files 0' "$T/out"
mode=$(stat -c %a "$T/case.db")
check_eq "case file is owner-only" 600 "$mode"
for f in text markdown html email jsonl csv; do
    n=$(sql "$T/case.db" "SELECT count(*) FROM documents WHERE format='$f'")
    [ "$n" -gt 0 ] && ok "format $f stored" || not_ok "format $f stored" "none"
done
check_eq "integrity" ok "$(sql "$T/case.db" 'PRAGMA integrity_check')"
n1=$(sql "$T/case.db" 'SELECT count(*) FROM documents')

# Idempotent: the same ingest again stores nothing new.
$D ingest examples/news examples/inbox examples/web examples/reports \
    examples/mail examples/feeds examples/leaked --marking GREEN \
    --source Demo >"$T/out2" 2>&1
check_rc "second ingest exits 0" 0 $?
check_grep "all duplicates the second time" '^stored 0, near-duplicates 0' "$T/out2"
check_eq "no new documents" "$n1" "$(sql "$T/case.db" 'SELECT count(*) FROM documents')"

# Read commands.
$D search Renwick >"$T/s"
check_rc "search exits 0" 0 $?
check_grep "search finds Renwick" 'Renwick' "$T/s"
check_grep "search prints total and marking" 'results? - marking GREEN' "$T/s"
$D search '"unterminated' 2>"$T/err"
check_rc "bad query exits 2" 2 $?
check_grep "bad query explained" 'bad search query' "$T/err"
$D search Renwick --json >"$T/sj"
check_grep "search --json" '"total":[1-9]' "$T/sj"
$D search Renwick --from 2026-03-01 --to 2026-03-31 --json >"$T/sd"
check_rc "date filter exits 0" 0 $?
$D search Renwick --from yesterday 2>"$T/err"
check_rc "bad date exits 2" 2 $?
$D docs >"$T/d"
check_grep "docs lists" "documents? - marking GREEN" "$T/d"
$D docs 1 --text >"$T/d1"
check_grep "docs ID shows metadata" '^marking +GREEN' "$T/d1"
$D docs 99999 2>"$T/err"
check_rc "missing document exits 1" 1 $?
check_grep "missing document named" 'no document 99999' "$T/err"
$D docs 1 --sentences --json >"$T/ds"
check_grep "sentence spans" '"sentence_spans":\[\[' "$T/ds"
# The grammar of a stored document: tokens, POS, parse and entities, the
# entities being the stored mentions (every mention starts at a B- token of
# its type).
did=$(sql "$T/case.db" 'SELECT doc_id FROM mentions ORDER BY doc_id LIMIT 1')
$D docs "$did" --conllu >"$T/dc"
check_rc "docs ID --conllu exits 0" 0 $?
check_grep "docs --conllu prints parsed words" '^1	[^	]+	_	[A-Z]+	[^	]+	_	[0-9]+	[a-z]+' "$T/dc"
check_eq "docs --conllu: one root per sentence" \
    "$(grep -c '^# sent_id' "$T/dc")" "$(grep -Ec '^[0-9]+	[^	]+	_	[^	]+	[^	]+	_	0	root	' "$T/dc")"
bad=0
for m in $(sql "$T/case.db" "SELECT start || ':' || type FROM mentions WHERE doc_id = $did"); do
    grep -Eq "TokenRange=${m%%:*}:[0-9]+.*NER=B-${m#*:}\$" "$T/dc" || bad=$((bad + 1))
done
check_eq "docs --conllu: the stored mentions are its entities" 0 "$bad"
$D docs "$did" --conllu --json >"$T/dcj"
check_grep "docs --conllu --json" '"deprel":"root"' "$T/dcj"
$D docs "$did" --conllu --beam 4 >"$T/dc4"
check_rc "docs --conllu --beam 4 exits 0" 0 $?
cut -f1-6,10 "$T/dc4" >"$T/dc4c"
cut -f1-6,10 "$T/dc" | cmp -s - "$T/dc4c"
check_rc "docs --conllu --beam 4: same words, tags and entities" 0 $?
check_eq "docs --conllu --beam 4: one root per sentence" \
    "$(grep -c '^# sent_id' "$T/dc4")" "$(awk -F'\t' '$7 == 0 && $8 == "root"' "$T/dc4" | wc -l)"
$D docs "$did" --conllu --beam 65 2>"$T/err"
check_rc "docs --beam 65 exits 2" 2 $?
$D docs --conllu 2>"$T/err"
check_rc "docs --conllu without ID exits 2" 2 $?
$D docs "$did" --conllu --ner bogus 2>"$T/err"
check_rc "docs --ner bogus exits 2" 2 $?
$D docs "$did" --conllu --models "$T/nowhere" 2>"$T/err"
check_rc "docs --conllu without models exits 1" 1 $?
check_grep "missing model named" 'nowhere/pos.model' "$T/err"
$D stats --json >"$T/st"
check_grep "stats --json" '"documents":[1-9]' "$T/st"
$D case show >"$T/cs"
check_grep "case show" 'CLEAR < GREEN < AMBER' "$T/cs"

# Bad input never stops the batch: invalid UTF-8, binary, empty, missing.
mkdir -p "$T/bad"
printf 'Good document about the harbour of Velmora and its new cranes.\n' >"$T/bad/good.txt"
printf 'caf\351 au lait, an invalid Latin-1 byte in UTF-8 text\n' >"$T/bad/latin1.txt"
printf '\000\001\002\003binary\000\000' >"$T/bad/blob.bin"
printf '{"text": "one good record about ports"}\n{not json\n{"title": "no text"}\n' >"$T/bad/mixed.jsonl"
$D ingest "$T/bad" "$T/missing-file.txt" >"$T/out3" 2>"$T/err3"
check_rc "failures give exit 1" 1 $?
check_grep "invalid UTF-8 named with its place" 'latin1.txt: .*UTF-8.*line 1' "$T/err3"
check_grep "binary file named" 'blob.bin' "$T/err3"
check_grep "missing file named" 'missing-file.txt' "$T/err3"
check_grep "bad JSONL line named" 'mixed.jsonl.*line 2' "$T/err3"
check_grep "the rest went on" '^stored 2,' "$T/out3"
$D ingest "$T/bad/latin1.txt" --lenient >"$T/out4" 2>"$T/err4"
check_rc "--lenient stores it" 0 $?
check_grep "--lenient warns" 'replaced' "$T/err4"

# Limits are clear errors.
$D ingest "$T/bad/good.txt" --max-file-size 10 2>"$T/err5"
check_rc "file over the limit exits 1" 1 $?
check_grep "limit named" 'good.txt' "$T/err5"

# annotate: raw text to CoNLL-U; invalid UTF-8 is an error with its place.
printf 'Tobias Renwick met officials in Velmora.\n' | $DOSSIER annotate >"$T/ann"
check_rc "annotate exits 0" 0 $?
check_grep "annotate prints CoNLL-U with spans" '^1	Tobias	.*TokenRange=0:6' "$T/ann"
$DOSSIER annotate "$T/bad/latin1.txt" >/dev/null 2>"$T/err7"
check_rc "annotate of invalid UTF-8 exits 1" 1 $?
check_grep "annotate names the place" 'latin1.txt: invalid UTF-8 at line 1' "$T/err7"
printf '' | $DOSSIER annotate --json >"$T/ann2"
check_rc "annotate of empty input exits 0" 0 $?
check_grep "annotate of empty input: no sentences" '"sentences":\[\]' "$T/ann2"
# The recognizer sees the whole document: the second, bare mention of a
# name gets the type of the first, full one.
printf 'Tobias Renwick met officials in Velmora on Monday.\n\nLater Renwick left.\n' |
    $DOSSIER annotate >"$T/ann3"
check_grep "annotate: a name's later mention is tagged too" '	Renwick	.*NER=B-PER' "$T/ann3"

# annotate --beam: the same tokens, tags and entities, a tree per
# sentence (one root); a width out of range is a usage error.
printf 'The envoy who met the attache in Velmora said that the ministry had\nreviewed the contract, which the board signed on Monday.\n' >"$T/beam.txt"
$DOSSIER annotate "$T/beam.txt" | cut -f1-6,10 >"$T/beam1"
$DOSSIER annotate --beam 4 "$T/beam.txt" >"$T/beam4"
check_rc "annotate --beam 4 exits 0" 0 $?
cut -f1-6,10 "$T/beam4" | cmp -s - "$T/beam1"
check_rc "annotate --beam 4: same words, tags and entities" 0 $?
roots=$(awk -F'\t' '$8 == "root"' "$T/beam4" | wc -l)
sents=$(grep -c '^# sent_id' "$T/beam4")
[ "$roots" -eq "$sents" ] && [ "$sents" -gt 0 ]
check_rc "annotate --beam 4: one root per sentence" 0 $?
$DOSSIER annotate --beam 0 "$T/beam.txt" >/dev/null 2>"$T/err8"
check_rc "annotate --beam 0 exits 2" 2 $?
check_grep "annotate names the bad width" "\-\-beam '0'" "$T/err8"

# A malformed CoNLL-U file is named with the line: in eval pos and parse,
# and in train parse whether it is the training or the dev file.
printf '1\tThe\tthe\tDET\tDT\t_\t2\tdet\t_\t_\n2\tcat\tNOUN\n\n' >"$T/bad.conllu"
printf '1\tCats\tcat\tNOUN\tNNS\t_\t0\troot\t_\t_\n\n' >"$T/ok.conllu"
$DOSSIER eval pos "$T/bad.conllu" >/dev/null 2>"$T/err9"
check_rc "eval pos of malformed CoNLL-U exits 1" 1 $?
check_grep "eval pos names file and line" 'bad.conllu:2: expected 10' "$T/err9"
$DOSSIER eval parse "$T/bad.conllu" >/dev/null 2>"$T/err10"
check_rc "eval parse of malformed CoNLL-U exits 1" 1 $?
check_grep "eval parse names file and line" 'bad.conllu:2: expected 10' "$T/err10"
$DOSSIER train parse --train "$T/ok.conllu" --dev "$T/bad.conllu" \
    --out "$T/x.model" >/dev/null 2>"$T/err11"
check_rc "train parse with a malformed dev file exits 1" 1 $?
check_grep "train parse names the dev file" 'bad.conllu: 2: expected 10' "$T/err11"
[ ! -e "$T/x.model" ]
check_rc "train parse wrote no model" 0 $?

$DOSSIER eval pos "$T" >/dev/null 2>"$T/err12"
check_rc "eval pos of a directory exits 1" 1 $?
check_grep "eval pos says the path is a directory" "$T: .*[Dd]irectory" "$T/err12"

# A data file with nothing to score is an error, not a table of zeros.
: >"$T/empty.data"
for k in pos parse ner tokenize; do
    $DOSSIER eval $k "$T/empty.data" >"$T/out-empty-$k" 2>"$T/err-empty-$k"
    check_rc "eval $k of an empty file exits 1" 1 $?
    check_grep "eval $k says the file has nothing to score" \
        "empty.data: nothing to score" "$T/err-empty-$k"
    [ ! -s "$T/out-empty-$k" ]
    check_rc "eval $k of an empty file prints no scores" 0 $?
done

$DOSSIER annotate "$T" >/dev/null 2>"$T/err13"
check_rc "annotate of a directory exits 1" 1 $?
check_grep "annotate says the path is a directory" "$T: .*[Dd]irectory" "$T/err13"
$DOSSIER annotate "$T/no-such-file.txt" >/dev/null 2>"$T/err14"
check_rc "annotate of a missing file exits 1" 1 $?
check_grep "annotate says the file is missing" "no-such-file.txt: .*[Nn]o such file" "$T/err14"

# Standard input.
printf 'A note from standard input about the tender annex.\n' | $D ingest - >"$T/out6"
check_rc "stdin ingest" 0 $?
check_grep "stdin stored" '^stored 1' "$T/out6"
finish
