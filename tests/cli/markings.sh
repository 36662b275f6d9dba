# tests/cli/markings.sh - the differential test of doc/MARKINGS.md through
# every read command: a GREEN viewer of a GREEN+AMBER case gets exactly the
# output of the GREEN-only case, byte for byte (rows, totals, scores,
# snippets, statistics).
. "$(dirname "$0")/lib.sh"
G="examples/news examples/web examples/reports examples/mail"
A="examples/leaked examples/feeds"

# Mixed case: GREEN first, then AMBER (so GREEN document ids match).
$DOSSIER --db "$T/mixed.db" ingest $G --marking GREEN -q >/dev/null 2>&1
$DOSSIER --db "$T/mixed.db" ingest $A --marking AMBER -q >/dev/null 2>&1
$DOSSIER --db "$T/green.db" ingest $G --marking GREEN -q >/dev/null 2>&1
ok "cases built"

same() { # description, command args...
    desc=$1
    shift
    # The ingest time is the one thing that differs between the two cases
    # for reasons other than markings: it is left out.
    $DOSSIER --db "$T/mixed.db" "$@" --clearance GREEN >"$T/a0" 2>&1
    ra=$?
    $DOSSIER --db "$T/green.db" "$@" --clearance GREEN >"$T/b0" 2>&1
    rb=$?
    sed -E 's/"ingested_at":"[^"]*"//g; s/^ingested .*//' "$T/a0" >"$T/a"
    sed -E 's/"ingested_at":"[^"]*"//g; s/^ingested .*//' "$T/b0" >"$T/b"
    if [ $ra = $rb ] && cmp -s "$T/a" "$T/b"; then
        ok "$desc"
    else
        not_ok "$desc" "$(diff "$T/a" "$T/b" | head -5 | tr '\n' ' ')"
    fi
}
for q in Renwick Velesko '"technical offers"' 'tender' 'Kestrel OR Halcyon' \
    'declar*' 'DPA NOT radar'; do
    same "search $q" search "$q" --json --limit 50
    same "search $q (text)" search "$q"
done
same "docs" docs --json --limit 500
same "docs (text)" docs
same "stats" stats --json
same "docs 1" docs 1 --json --text

# The AMBER viewer sees more, and the output says AMBER.
$DOSSIER --db "$T/mixed.db" search '"technical offers" OR tender' --clearance AMBER >"$T/am"
check_grep "AMBER viewer sees AMBER" 'marking AMBER' "$T/am"
# A GREEN viewer asking for an AMBER document: same as a missing one.
id=$(sqlite3 "$T/mixed.db" "SELECT min(id) FROM documents WHERE level = 2")
$DOSSIER --db "$T/mixed.db" docs "$id" --clearance GREEN 2>"$T/e1"
r1=$?
$DOSSIER --db "$T/mixed.db" docs 999999 --clearance GREEN 2>"$T/e2"
r2=$?
check_eq "not permitted exits like not found" "$r2" "$r1"
check_grep "not permitted reads as not found" "no document $id\$" "$T/e1"
$DOSSIER --db "$T/mixed.db" docs --clearance PURPLE 2>"$T/e3"
check_rc "unknown clearance exits 2" 2 $?

# Custom levels and compartments.
C="$DOSSIER --db $T/custom.db"
$C case markings --levels UNCLASSIFIED,CONFIDENTIAL,SECRET --compartments HUMINT,ORCA >/dev/null
check_rc "custom markings defined" 0 $?
$C ingest examples/news --marking UNCLASSIFIED -q >/dev/null 2>&1
$C ingest examples/leaked --marking 'SECRET//ORCA' -q >/dev/null 2>&1
$C case markings --levels A,B 2>"$T/e4"
check_rc "markings frozen once documents exist" 1 $?
n_all=$($C stats --json | sed -E 's/.*"documents":([0-9]+).*/\1/')
n_sec=$($C stats --json --clearance SECRET | sed -E 's/.*"documents":([0-9]+).*/\1/')
n_orca=$($C stats --json --clearance 'SECRET//ORCA' | sed -E 's/.*"documents":([0-9]+).*/\1/')
check_eq "SECRET without ORCA misses the ORCA memo" "$((n_all - 1))" "$n_sec"
check_eq "SECRET//ORCA sees it" "$n_all" "$n_orca"
finish
