# dossier - a plain GNU Makefile (see doc/ARCHITECTURE.md, "Cross-cutting",
# "Build").
#
#   make            release build: build/release/dossier
#   make test       every unit test, CLI test and fuzz-corpus replay;
#                   ends with "N passed, N failed"
#   make SAN=1 test the same under ASan + UBSan (build/san/)
#   make demo       installs what is missing, builds, ingests examples/
#   make fuzz       libFuzzer targets with clang (build/fuzz/)
#   make bench      benchmark programs that print figures
#   make format / format-check / lint

PKGS     := sqlite3 libutf8proc gumbo jansson libsodium
CC       ?= cc
ifeq ($(origin CC),default)
CC       := gcc
endif

ifeq ($(SAN),1)
VARIANT  := san
OPT      := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
            -fno-omit-frame-pointer
LDOPT    := -fsanitize=address,undefined
AR       := ar
else
# -O3 and link-time optimization: the taggers' and the parser's inner
# loops call into ap.c once per feature (table probe, prefetch, cache),
# and only LTO inlines those calls; bench/nlp, alternating runs: parser
# +7 %, annotate +9 %, NER +11 % (doc/internals/parser.md, "Speed").
VARIANT  := release
OPT      := -O3 -g -flto=auto
LDOPT    := -O3 -g -flto=auto
AR       := gcc-ar
endif

B        := build/$(VARIANT)
WARN     := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wformat=2 -Wvla
ifeq ($(WERROR),1)
WARN     += -Werror
endif
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
VERSION  := 0.1.0
CFLAGS   := -std=c11 -D_GNU_SOURCE -DDOSSIER_VERSION=\"$(VERSION)\" $(OPT) $(WARN) -Isrc $(PKG_CFLAGS) -MMD -MP
LDLIBS   := $(PKG_LIBS) -lpthread -lm

LIB_SRC  := $(sort $(wildcard src/util/*.c src/json/*.c src/nlp/*.c src/kg/*.c \
                              src/io/*.c src/pipe/*.c src/cli/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/%.o)
LIB      := $(B)/libdossier.a
BIN      := $(B)/dossier

TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(B)/tests/%)
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))
REPLAY_BIN := $(FUZZ_SRC:fuzz/fuzz_%.c=$(B)/fuzz/replay_%)
BENCH_SRC := $(sort $(wildcard bench/*.c))
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(B)/bench/%)

.PHONY: all test test-run check demo fuzz bench format format-check lint clean help \
        models deps
all: $(BIN)

# Keep object files of tests and fuzz replays (make would delete them as
# intermediates and rebuild them every time).
.SECONDARY:


$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BIN): $(B)/src/main.o $(LIB)
	$(CC) $(LDOPT) -o $@ $^ $(LDLIBS)

$(B)/tests/unit/%.o: CFLAGS += -Itests
$(B)/tests/%: $(B)/tests/unit/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDOPT) -o $@ $^ $(LDLIBS)

$(B)/fuzz/replay_%: $(B)/fuzz/fuzz_%.o $(B)/fuzz/replay.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDOPT) -o $@ $^ $(LDLIBS)

$(B)/bench/%: $(B)/bench/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDOPT) -o $@ $^ $(LDLIBS)

# test installs what is missing first, then re-reads this Makefile (the
# pkg-config flags above need the packages).
test check: deps
	@$(MAKE) --no-print-directory test-run

test-run: $(BIN) $(TEST_BIN) $(REPLAY_BIN)
	@tools/run-tests.sh $(B) $(T)

demo: deps
	@$(MAKE) --no-print-directory $(BIN)
	@tools/demo.sh $(BIN)

deps:
	@tools/install-deps.sh

bench: $(BIN) $(BENCH_BIN)
	@for b in $(BENCH_BIN); do echo "== $$b"; $$b || exit 1; done
	@bench/opennlp.sh $(BIN)

# libFuzzer targets: clang with its fuzzer runtime (Debian clang-14).
FUZZ_CC  ?= clang
FUZZ_BIN := $(FUZZ_SRC:fuzz/fuzz_%.c=build/fuzz/fuzz_%)
fuzz: $(FUZZ_BIN)
build/fuzz/fuzz_%: fuzz/fuzz_%.c $(LIB_SRC)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -DDOSSIER_VERSION=\"$(VERSION)\" \
	  -g -O1 -Isrc $(PKG_CFLAGS) -fsanitize=fuzzer,address,undefined \
	  -o $@ $< $(LIB_SRC) $(LDLIBS)

models:
	@tools/make-models.sh

FORMAT_FILES = $(shell git ls-files '*.c' '*.h')
format:
	clang-format -i $(FORMAT_FILES)
format-check:
	clang-format --dry-run --Werror $(FORMAT_FILES)
lint:
	@tools/lint.sh

clean:
	rm -rf build

help:
	@sed -n '3,12p' Makefile

-include $(LIB_OBJ:.o=.d) $(B)/src/main.d $(TEST_BIN:$(B)/tests/%=$(B)/tests/unit/%.d) \
         $(wildcard $(B)/fuzz/*.d $(B)/bench/*.d)
