# forumd — build, run and test.
#
#   make run     install what is missing, build, start a demo forum on :8080
#   make test    install what is missing, run every test tier
#   make fuzz    run the fuzzers for FUZZ_SECONDS (default 600)
#   make bench   forumd side by side with Nchan, Node ws and Socket.IO, and the
#                machine's floor (about 20 minutes; not part of `make test`)
#
# Three builds of the daemon share one source list:
#   build/forumd        release (-O2), what `make run` starts
#   build/test/forumd   test build: FORUMD_TESTING hooks (settable clock, ...)
#   build/asan/forumd   test build under AddressSanitizer + UndefinedBehaviorSanitizer

CC      ?= cc
CLANG   ?= clang
PKGS    := libwebsockets libuv hiredis sqlite3 libcjson libjwt
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wpointer-arith -Wformat=2 -Wno-unused-parameter
CFLAGS_COMMON := -std=c11 -D_GNU_SOURCE -g $(WARN) $(PKG_CFLAGS) $(shell pkg-config --cflags libutf8proc) -Iserver
LDLIBS  := $(PKG_LIBS) $(shell pkg-config --libs libutf8proc) -lstemmer -lm -lpthread

SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

CFLAGS_release := $(CFLAGS_COMMON) -O2
CFLAGS_test    := $(CFLAGS_COMMON) -O1 -DFORUMD_TESTING
CFLAGS_asan    := $(CFLAGS_COMMON) -O1 -DFORUMD_TESTING $(SAN)

SRC      := $(sort $(wildcard server/*.c server/*/*.c))
LIB_SRC  := $(filter-out server/main.c,$(SRC))
# Code the unit tests and fuzzers link: no sockets, no event loop.
PURE_SRC := $(sort $(wildcard server/core/*.c server/proto/*.c server/protocol/*.c)) server/clock.c
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))

obj = $(patsubst server/%.c,build/$(1)/obj/%.o,$(2))

BIN_release := build/forumd
BIN_test    := build/test/forumd
BIN_asan    := build/asan/forumd
UNIT_BINS   := $(patsubst tests/unit/%.c,build/asan/unit/%,$(UNIT_SRC))
FUZZ_BINS   := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRC))

FUZZ_SECONDS ?= 600
FUZZ_SMOKE_SECONDS ?= 60
PORT ?= 8080
DATA ?= data

.PHONY: all build run test deps deps-build deps-test gen gen-check layers unit integration \
        integration-asan e2e fuzz fuzz-smoke bench bench-build clean vendor

all: build

build: $(BIN_release) $(BIN_test) $(BIN_asan)

# ---- object files, one rule per build ------------------------------------
define BUILD_RULES
build/$(1)/obj/%.o: server/%.c $(wildcard server/*.h server/*/*.h) | build/$(1)/obj
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CFLAGS_$(1)) -c $$< -o $$@
build/$(1)/obj:
	@mkdir -p $$@
endef
$(foreach b,release test asan,$(eval $(call BUILD_RULES,$(b))))

$(BIN_release): $(call obj,release,$(SRC))
	$(CC) $(CFLAGS_release) -o $@ $^ $(LDLIBS)
$(BIN_test): $(call obj,test,$(SRC))
	$(CC) $(CFLAGS_test) -o $@ $^ $(LDLIBS)
$(BIN_asan): $(call obj,asan,$(SRC))
	$(CC) $(CFLAGS_asan) -o $@ $^ $(LDLIBS)

# ---- unit tests (cmocka), always under ASan + UBSan -------------------------
build/asan/unit/%: tests/unit/%.c $(call obj,asan,$(LIB_SRC)) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_asan) -Itests/unit -o $@ $< $(call obj,asan,$(LIB_SRC)) $(LDLIBS) -lcmocka

# ---- fuzzers (clang libFuzzer + ASan + UBSan) -------------------------------
build/fuzz/%: tests/fuzz/%.c $(PURE_SRC) $(wildcard server/*.h server/*/*.h)
	@mkdir -p $(dir $@)
	$(CLANG) -std=c11 -D_GNU_SOURCE -g -O1 -DFORUMD_TESTING -Wall -Wextra -Werror -Wno-unused-parameter $(PKG_CFLAGS) $(shell pkg-config --cflags libutf8proc) -Iserver \
	  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	  -o $@ $< $(PURE_SRC) $(PKG_LIBS) $(shell pkg-config --libs libutf8proc) -lstemmer -lm

# ---- install ---------------------------------------------------------------
deps-build:
	@scripts/install-deps.sh build
deps-test:
	@scripts/install-deps.sh test
deps: deps-test

# ---- generated protocol tables ---------------------------------------------
gen:
	node scripts/gen-protocol.mjs
gen-check:
	node scripts/gen-protocol.mjs --check

# ---- the include graph stays layered (scripts/check-layers.sh says how) -----
layers:
	@scripts/check-layers.sh

# ---- browser libraries from npm, copied into the served tree -----------------
# The word cloud layout (wordcloud2.js, MIT) comes from node_modules (package-lock.json);
# client-js/vendor/ is build output, not kept in git.
VENDOR := client-js/vendor/wordcloud2.js client-js/vendor/wordcloud2.LICENSE \
          client-js/vendor/katex/katex.min.js client-js/vendor/katex/katex.min.css \
          client-js/vendor/katex/LICENSE client-js/vendor/katex/fonts/.stamp
vendor: $(VENDOR)
client-js/vendor/wordcloud2.js: node_modules/wordcloud/src/wordcloud2.js
	@mkdir -p $(dir $@)
	cp $< $@
client-js/vendor/wordcloud2.LICENSE: node_modules/wordcloud/LICENSE
	@mkdir -p $(dir $@)
	cp $< $@
# KaTeX typesets the math in posts (as MathML); its stylesheet loads the fonts from fonts/.
client-js/vendor/katex/%: node_modules/katex/dist/%
	@mkdir -p $(dir $@)
	cp $< $@
client-js/vendor/katex/LICENSE: node_modules/katex/LICENSE
	@mkdir -p $(dir $@)
	cp $< $@
client-js/vendor/katex/fonts/.stamp: $(wildcard node_modules/katex/dist/fonts/*.woff2)
	@mkdir -p $(dir $@)
	cp node_modules/katex/dist/fonts/*.woff2 $(dir $@)
	@touch $@

# ---- run -------------------------------------------------------------------
run: deps-build
	@$(MAKE) --no-print-directory $(BIN_release) vendor
	@mkdir -p $(DATA)
	$(BIN_release) serve --dev --port $(PORT) --db $(DATA)/forumd.db

# ---- test ------------------------------------------------------------------
test: deps-test
	@$(MAKE) --no-print-directory gen-check layers build vendor $(UNIT_BINS) $(FUZZ_BINS)
	@scripts/run-tests.sh

unit: $(UNIT_BINS)
	@scripts/run-tests.sh unit
integration: $(BIN_test)
	@scripts/run-tests.sh integration
integration-asan: $(BIN_asan)
	@scripts/run-tests.sh integration-asan
e2e: $(BIN_test) vendor
	@scripts/run-tests.sh e2e
fuzz-smoke: $(FUZZ_BINS)
	@scripts/run-tests.sh fuzz
fuzz: $(FUZZ_BINS)
	@for f in $(FUZZ_BINS); do \
	  n=$$(basename $$f); mkdir -p build/fuzz/corpus-$$n; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -max_len=4096 build/fuzz/corpus-$$n tests/fuzz/corpus/$$n || exit 1; \
	done

# ---- benchmarks (not part of `make test`) ------------------------------------
# The load generator and the floor program; scripts/bench.mjs runs them
# against forumd and its peers (tests/bench/peers) and prints one table.
BENCH_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O2 $(WARN)
BENCH_BINS := build/bench/loadgen build/bench/floor

build/bench/loadgen: tests/bench/loadgen.c tests/bench/hdr.c tests/bench/hdr.h
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) $(shell pkg-config --cflags libuv) -o $@ tests/bench/loadgen.c tests/bench/hdr.c $(shell pkg-config --libs libuv)
build/bench/floor: tests/bench/floor.c
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -o $@ $<

bench-build: $(BENCH_BINS) $(BIN_release)

bench: deps-build
	@$(MAKE) --no-print-directory bench-build
	@node scripts/bench.mjs $(BENCH_ARGS)

clean:
	rm -rf build
