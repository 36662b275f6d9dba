#!/bin/sh
# tests/cli/crash.sh - ingestion survives kill -9.
#
# Generates 3,000 distinct documents (2-3 KB), starts `dossier ingest --jobs 2`
# and kills it with SIGKILL after a short delay, three times (each time
# re-running on the same case), then lets a last run finish. The case must
# then be intact: SQLite and FTS5 integrity checks pass, every input file is
# stored exactly once, no text is stored twice under the same marking, and
# the full-text index has exactly one row per document.
#
#   DOSSIER=build/release/dossier BUILD=build/release sh tests/cli/crash.sh
#
# Needs the sqlite3 command-line shell. Output is TAP.

. "$(dirname "$0")/lib.sh"

N_DOCS=${CRASH_DOCS:-6000}
# Seconds before each kill -9: fixed, so runs repeat. Short enough that the
# first lands mid-ingest even on a fast machine (a run that finished first
# is noted); the test fails if no kill landed mid-ingest at all, since it
# would then prove nothing.
DELAYS=${CRASH_DELAYS:-"0.15 0.3 0.45"}

if ! command -v sqlite3 >/dev/null 2>&1; then
    echo "Bail out! the sqlite3 shell is not installed"
    exit 1
fi
if [ ! -x "$DOSSIER" ]; then
    echo "Bail out! $DOSSIER is not an executable"
    exit 1
fi

# ---- 1. Distinct documents, from a fixed-seed awk generator ----
mkdir "$T/docs"
awk -v n="$N_DOCS" -v dir="$T/docs" 'BEGIN {
    srand(20260303)
    nw = split("agency analyst archive audit border budget bureau cable \
case channel cipher client committee contract courier customs defence \
delegation deputy diplomat director document embassy engineer envoy \
evidence export file finance firm harbour hearing hotel inquiry invoice \
journalist laboratory ledger licence meeting memo minister ministry network \
officer operation payment permit port programme prosecutor radar receipt \
recruiter register report satellite senator server shipment signal source \
statement subsidy supplier tender transfer treaty warehouse witness \
Velmora Halden Kirrin Dunmere Lindholm Esterby Tarsk Brennick Greyhaven \
Aldmoor Norrby Sundby Valen Quillon Renwick Velesko Thackeray Brandt Quist \
Harlow Solberg Marchetti Fenwright Achterberg Lindgren Okafor Varga Strand \
met paid signed reviewed leaked sent received questioned approved delayed \
flagged recorded reported denied confirmed visited declared withheld \
quietly late early twice again abroad openly privately", w, " ")
    for (i = 1; i <= n; i++) {
        f = sprintf("%s/doc%05d.txt", dir, i)
        printf "Report %d on %s and %s\n\n", i, w[int(rand() * nw) + 1], \
            w[int(rand() * nw) + 1] > f
        ns = 20 + int(rand() * 12)
        for (s = 1; s <= ns; s++) {
            nk = 7 + int(rand() * 8)
            line = "Item " i "." s ":"
            for (k = 1; k <= nk; k++)
                line = line " " w[int(rand() * nw) + 1]
            line = line " (ref " int(rand() * 1000000) ")."
            print line > f
        }
        close(f)
    }
}' || { echo "Bail out! generator failed"; exit 1; }
n_files=$(find "$T/docs" -type f | wc -l | tr -d ' ')
n_distinct=$(find "$T/docs" -type f -exec sha256sum {} + | awk '{print $1}' |
    sort -u | wc -l | tr -d ' ')
note "generated $n_files files, $n_distinct distinct contents"

DB="$T/case.db"
# (The sqlite3 shell creates a missing file: never open $DB before it exists.)
count_docs() {
    if [ -f "$DB" ]; then
        sqlite3 -batch "$DB" 'SELECT count(*) FROM documents' 2>/dev/null ||
            echo "?"
    else
        echo "none (no case file)"
    fi
}

# ---- 2. Three runs killed with SIGKILL ----
k=0
mid=0
for d in $DELAYS; do
    k=$((k + 1))
    "$DOSSIER" --db "$DB" ingest "$T/docs" --jobs 2 >"$T/run$k.out" 2>&1 &
    pid=$!
    sleep "$d"
    if kill -0 "$pid" 2>/dev/null; then
        kill -9 "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null
    rc=$?
    if [ "$rc" -eq 137 ]; then
        n_now=$(count_docs)
        note "run $k killed after $d s; documents so far: $n_now"
        case "$n_now" in
        '' | *[!0-9]*) ;;
        *) [ "$n_now" -lt "$N_DOCS" ] && mid=$((mid + 1)) ;;
        esac
    else
        note "run $k finished before the kill (exit $rc) after $d s;" \
            "documents: $(count_docs)"
    fi
    if [ -f "$DB" ]; then
        ic=$(sql "$DB" 'PRAGMA integrity_check' | tr '\n' ' ' | sed 's/ $//')
        check_eq "integrity_check after kill $k" "ok" "$ic"
    else
        ok "no case file yet after kill $k (killed before creation)"
    fi
done

if [ "$mid" -gt 0 ]; then
    ok "$mid kill(s) landed mid-ingest"
else
    not_ok "a kill landed mid-ingest" "every run finished first: lower CRASH_DELAYS"
fi

# ---- 3. A complete run ----
"$DOSSIER" --db "$DB" ingest "$T/docs" --jobs 2 >"$T/final.out" 2>&1
rc=$?
check_rc "final ingest completes" 0 "$rc"
note "final run: $(tail -n 1 "$T/final.out")"

# ---- 4. The case is intact ----
if [ ! -f "$DB" ]; then
    not_ok "the case file exists" "no $DB"
    finish
fi
ic=$(sql "$DB" 'PRAGMA integrity_check' | tr '\n' ' ' | sed 's/ $//')
check_eq "PRAGMA integrity_check is ok" "ok" "$ic"

check_eq "one document per distinct input file" "$n_distinct" \
    "$(sql "$DB" 'SELECT count(*) FROM documents')"

dups=$(sql "$DB" 'SELECT count(*) FROM (SELECT 1 FROM documents
    GROUP BY content_hash, level, compartments HAVING count(*) > 1)')
check_eq "no content_hash stored twice with the same marking" 0 "$dups"
if [ "$dups" != 0 ]; then
    note "duplicated hashes (hash, marking, copies, ids):"
    sql "$DB" "SELECT hex(substr(content_hash,1,6)), level, compartments,
        count(*), group_concat(id) FROM documents
        GROUP BY content_hash, level, compartments HAVING count(*) > 1
        LIMIT 5" | sed 's/^/#   /'
fi

out=$(sql "$DB" "INSERT INTO doc_fts(doc_fts) VALUES('integrity-check')")
rc=$?
if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
    ok "FTS5 integrity-check passes"
else
    not_ok "FTS5 integrity-check passes" "exit $rc: $out"
fi

check_eq "doc_fts has one row per document" \
    "$(sql "$DB" 'SELECT count(*) FROM documents')" \
    "$(sql "$DB" 'SELECT count(*) FROM doc_fts')"

check_eq "no doc_fts row without its document" 0 \
    "$(sql "$DB" 'SELECT count(*) FROM doc_fts
        WHERE rowid NOT IN (SELECT id FROM documents)')"

check_eq "no document without its doc_fts row" 0 \
    "$(sql "$DB" 'SELECT count(*) FROM documents
        WHERE id NOT IN (SELECT rowid FROM doc_fts)')"

finish
