# tests/cli/lib.sh - small TAP helpers for the CLI test scripts (POSIX sh).
#
# Usage, at the top of tests/cli/<name>.sh:
#
#   . "$(dirname "$0")/lib.sh"      # sets DOSSIER, BUILD, T (a temp dir)
#   "$DOSSIER" --db "$T/case.db" ingest examples/news >"$T/out" 2>&1
#   check_rc   "ingest succeeds" 0 $?
#   check_eq   "three documents" 3 "$(sql "$T/case.db" 'SELECT count(*) FROM documents')"
#   check_grep "summary printed" 'stored 3' "$T/out"
#   finish                          # prints "N passed, N failed", sets exit
#
# Environment:
#   DOSSIER  the binary under test (default build/release/dossier)
#   BUILD    the build directory   (default build/release)
#   KEEP=1   keep the temp dir $T for inspection (its path is printed)
#
# Helpers (each prints one TAP line "ok N - desc" / "not ok N - desc (why)"):
#   ok DESC                       a passed check
#   not_ok DESC WHY               a failed check
#   check_eq DESC EXPECTED ACTUAL string equality
#   check_rc DESC EXPECTED ACTUAL exit-status equality (same as check_eq,
#                                 the message says "exit")
#   check_grep DESC REGEX FILE    FILE contains a line matching REGEX (grep -E)
#   check_run DESC CMD ARGS...    CMD exits 0 (its output goes to $T/last.out)
#   note TEXT                     a TAP comment line "# TEXT"
#   sql DB SQL                    runs SQL with the sqlite3 CLI, prints result
#   finish                        summary line; exit status 1 if anything failed
#
# The temp dir $T is removed on exit (unless KEEP=1). Scripts that set their
# own EXIT trap must call lib_cleanup from it.

DOSSIER=${DOSSIER:-build/release/dossier}
BUILD=${BUILD:-build/release}
LIB_N=0
LIB_PASS=0
LIB_FAIL=0

T=$(mktemp -d "${TMPDIR:-/tmp}/dossier-test.XXXXXX") || {
    echo "Bail out! mktemp -d failed"
    exit 1
}

lib_cleanup() {
    if [ "${KEEP:-0}" = 1 ]; then
        echo "# kept $T"
    else
        rm -rf "$T"
    fi
}
trap lib_cleanup EXIT
trap 'exit 130' INT TERM

ok() {
    LIB_N=$((LIB_N + 1))
    LIB_PASS=$((LIB_PASS + 1))
    echo "ok $LIB_N - $1"
}

not_ok() {
    LIB_N=$((LIB_N + 1))
    LIB_FAIL=$((LIB_FAIL + 1))
    echo "not ok $LIB_N - $1 ($2)"
}

note() {
    echo "# $*"
}

check_eq() {
    if [ "$2" = "$3" ]; then
        ok "$1"
    else
        not_ok "$1" "expected '$2', got '$3'"
    fi
}

check_rc() {
    if [ "$2" = "$3" ]; then
        ok "$1"
    else
        not_ok "$1" "expected exit $2, got exit $3"
    fi
}

check_grep() {
    if grep -Eq -- "$2" "$3" 2>/dev/null; then
        ok "$1"
    else
        not_ok "$1" "no line matching '$2' in $(basename "$3")"
    fi
}

check_run() {
    lib_desc=$1
    shift
    if "$@" >"$T/last.out" 2>&1; then
        ok "$lib_desc"
    else
        lib_rc=$?
        not_ok "$lib_desc" "exit $lib_rc: $(head -c 200 "$T/last.out" | tr '\n' ' ')"
    fi
}

sql() {
    sqlite3 -batch -bail "$1" "$2" 2>&1
}

finish() {
    echo "1..$LIB_N"
    echo "$LIB_PASS passed, $LIB_FAIL failed"
    [ "$LIB_FAIL" -eq 0 ]
    exit $?
}
