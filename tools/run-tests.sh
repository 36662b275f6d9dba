#!/bin/sh
# Runs every test of a build and prints one closing line, "N passed,
# N failed", which CI reads. Usage: tools/run-tests.sh BUILD_DIR [FILTER]
#
# Each unit binary, fuzz-corpus replay and CLI script prints TAP-style lines
# and its own "N passed, N failed" line; this sums them. A program that
# dies before its summary line counts as one failure.
set -u
B=$1
FILTER=${2:-}
passed=0
failed=0
export DOSSIER="$PWD/$B/dossier" BUILD="$PWD/$B"
export DOSSIER_SHARED="${DOSSIER_SHARED:-$PWD/../shared}"
unset DOSSIER_DB DOSSIER_CLEARANCE

run() { # name, command...
    name=$1
    shift
    out=$("$@" 2>&1)
    status=$?
    printf '%s\n' "$out" | sed "s|^|[$name] |"
    last=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
    if [ -n "$last" ]; then
        p=$(echo "$last" | sed -E 's/^([0-9]+) passed.*/\1/')
        f=$(echo "$last" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
        passed=$((passed + p))
        failed=$((failed + f))
        if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
            echo "[$name] exited with status $status"
            failed=$((failed + 1))
        fi
    else
        echo "[$name] died (status $status) before its summary"
        failed=$((failed + 1))
    fi
}

for t in "$B"/tests/test_*; do
    [ -x "$t" ] || continue
    n=$(basename "$t")
    case "$n" in *"$FILTER"*) ;; *) continue ;; esac
    run "$n" "$t"
done
for r in "$B"/fuzz/replay_*; do
    [ -x "$r" ] || continue
    n=$(basename "$r" | sed 's/^replay_//')
    case "fuzz_$n" in *"$FILTER"*) ;; *) continue ;; esac
    [ -d "fuzz/corpus/$n" ] || continue
    run "fuzz_$n" "$r" "fuzz/corpus/$n"
done
for s in tests/cli/*.sh; do
    n=$(basename "$s" .sh)
    [ "$n" = lib ] && continue
    case "cli_$n" in *"$FILTER"*) ;; *) continue ;; esac
    run "cli_$n" sh "$s"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
