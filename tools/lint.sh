#!/bin/sh
# Mechanical rules no compiler checks (doc/ARCHITECTURE.md, "Boundaries"):
# banned C functions, raw allocation outside util/xalloc.c, and which
# module may include which library or module header.
set -u
cd "$(dirname "$0")/.."
bad=0
fail() {
    echo "lint: $*"
    bad=1
}
files=$(find src -name '*.[ch]' | sort)

# Banned functions (curl's list): unbounded copies and unchecked parsing.
for f in $files; do
    hits=$(grep -nE '(^|[^a-z_])(strcpy|strcat|sprintf|vsprintf|strtok|gets|atoi|atol|strncpy|sscanf)\s*\(' "$f")
    [ -n "$hits" ] && fail "$f: banned function: $hits"
done

# Raw allocation only in util/xalloc.c (abort-on-OOM policy).
for f in $files; do
    case "$f" in src/util/xalloc.c) continue ;; esac
    if grep -nE '(^|[^a-z_])(malloc|calloc|realloc|free|strdup|strndup)\s*\(' "$f" |
        grep -vE '(xmalloc|xcalloc|xrealloc|xfree|xstrdup|xstrndup|sqlite3_free|_free\(|free\(\)|json_decref)' |
        grep -v '^\s*[0-9]*:\s*/\?\*' | grep -q .; then
        fail "$f: raw allocation (use util/xalloc.h)"
    fi
done

# Library ownership: one module per external library.
check_owner() { # header-regex allowed-dir-regex
    for f in $files; do
        if grep -qE "#include <$1" "$f"; then
            echo "$f" | grep -qE "$2" || fail "$f includes <$1>: only $2 may"
        fi
    done
}
check_owner 'sqlite3\.h>' '^src/kg/'
check_owner 'gumbo\.h>' '^src/io/'
check_owner 'jansson\.h>' '^src/io/'
check_owner 'utf8proc\.h>' '^src/nlp/'

# Module direction: util <- {json, nlp, kg} <- pipe <- io? No: io feeds
# pipe. Order: util -> {json, nlp, kg, io} -> pipe -> cli -> main.
for f in $files; do
    case "$f" in
    src/util/*) allowed='util' ;;
    src/json/* | src/nlp/* | src/kg/* | src/io/*) allowed="util|$(echo "$f" | cut -d/ -f2)" ;;
    src/pipe/*) allowed='util|json|nlp|kg|io|pipe' ;;
    *) continue ;;
    esac
    grep -oE '#include "[a-z_]+/' "$f" | sed -E 's/#include "//; s|/||' | sort -u |
        while read -r m; do
            echo "$m" | grep -qE "^($allowed)$" || echo "lint: $f includes $m/ (not allowed from here)"
        done | grep . && bad=1
done

# TODO/FIXME must name an issue.
for f in $files; do
    grep -nE '(TODO|FIXME)' "$f" | grep -vE '(TODO|FIXME)\(#[0-9]+\)' | grep -q . &&
        fail "$f: TODO/FIXME without an issue number, e.g. TODO(#3)"
done
[ "$bad" -eq 0 ] && echo "lint: ok"
exit "$bad"
