# Thin wrapper over CMake.  `make test` and `make demo` install missing
# system packages first (scripts/install-deps) and configure CMake.
BUILD      ?= build
SAN_BUILD  ?= build-sanitize
FUZZ_BUILD ?= build-fuzz
VG_BUILD   ?= build-valgrind
# Seconds per fuzz target for `make fuzz-run` (docs/FUZZING.md).
FUZZ_TIME  ?= 600
FUZZ_TARGETS ?= npy png args schemes
BUILD_TYPE ?= Release
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=
# Which packages `deps` installs: test (everything `make test` needs) or demo
# (only what building and `make demo` need; see scripts/install-deps).
DEPS ?= test

.PHONY: all deps configure test test-python demo test-sanitize test-valgrind install-check bench clean \
        fuzz fuzz-run web

all: configure
	cmake --build $(BUILD) -j $(JOBS)

deps:
	@scripts/install-deps $(DEPS) --check || scripts/install-deps $(DEPS)

configure: deps
	@test -f $(BUILD)/CMakeCache.txt || \
	    cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_ARGS)

# The suite, then the same suite built with ASan+UBSan (CI runs this).  Test
# builds treat warnings as errors (LMP_WERROR); a plain build does not.
test: configure
	cmake -S . -B $(BUILD) -DLMP_WERROR=ON >/dev/null
	cmake --build $(BUILD) -j $(JOBS)
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)
	@$(MAKE) --no-print-directory test-sanitize

# Builds with only the demo's dependencies installed (DEPS=demo).
demo:
	@$(MAKE) --no-print-directory DEPS=demo all
	$(BUILD)/bin/lmpviz curve --p 1.5 --m 0.1

# The Python package's pytest suites alone (they also run in `make test`).
test-python: all
	ctest --test-dir $(BUILD) --output-on-failure -R '^test_python_'

test-sanitize: deps
	@test -f $(SAN_BUILD)/CMakeCache.txt || \
	    cmake -S . -B $(SAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DLMP_SANITIZE=ON -DLMP_CUDA=OFF \
	        -DLMP_WERROR=ON $(CMAKE_ARGS)
	cmake --build $(SAN_BUILD) -j $(JOBS)
	ctest --test-dir $(SAN_BUILD) --output-on-failure -j $(JOBS)

# libFuzzer targets (clang, ASan+UBSan): $(FUZZ_BUILD)/fuzz/fuzz_{npy,png,args,schemes}.
fuzz: deps
	@test -f $(FUZZ_BUILD)/CMakeCache.txt || \
	    CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLMP_FUZZ=ON \
	        -DLMP_SANITIZE=ON -DLMP_BUILD_TESTS=OFF -DLMP_CUDA=OFF -DLMP_WERROR=OFF $(CMAKE_ARGS)
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_npy fuzz_png fuzz_args fuzz_schemes

# Each target in turn for FUZZ_TIME seconds from its seeds, in one worker
# process (-jobs=1, output in $(FUZZ_BUILD)/run/<target>/fuzz-0.log).  New
# corpus entries go to $(FUZZ_BUILD)/run/<target>/corpus, findings
# (crash-*, oom-*, timeout-*) next to them; keep those in tests/data/fuzz/.
fuzz-run: fuzz
	@for t in $(FUZZ_TARGETS); do \
	    d=$(FUZZ_BUILD)/run/$$t; mkdir -p $$d/corpus tests/data/fuzz/$$t; \
	    echo "== fuzz_$$t ($(FUZZ_TIME) s), log in $$d/fuzz-0.log"; \
	    ( cd $$d && $(CURDIR)/$(FUZZ_BUILD)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_TIME) -jobs=1 \
	        -workers=1 -dict=$(CURDIR)/fuzz/$$t.dict -artifact_prefix=./ -print_final_stats=1 \
	        $$(test $$t = args && echo -close_fd_mask=2) \
	        corpus $(CURDIR)/fuzz/seeds/$$t $(CURDIR)/tests/data/fuzz/$$t ) || exit 1; \
	    tail -n 12 $$d/fuzz-0.log; \
	done

# Every test under valgrind memcheck (the executables run through it as
# CMake's test emulator): any error or definite/indirect leak fails the test.
# fontconfig's caches are suppressed (tests/valgrind.supp).  Slow: about
# 30 times native.
VALGRIND = valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --show-leak-kinds=definite,indirect --child-silent-after-fork=yes --track-origins=yes \
    --suppressions=$(CURDIR)/tests/valgrind.supp
test-valgrind: deps
	@test -f $(VG_BUILD)/CMakeCache.txt || \
	    cmake -S . -B $(VG_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLMP_CUDA=OFF \
	        "-DCMAKE_CROSSCOMPILING_EMULATOR=$(subst $(subst ,, ),;,$(VALGRIND))" $(CMAKE_ARGS)
	cmake --build $(VG_BUILD) -j $(JOBS)
	ctest --test-dir $(VG_BUILD) --output-on-failure -j $(JOBS) -E '^test_install$$'

# Installs into a scratch prefix and builds a consumer through pkg-config
# and find_package(lmp) (tests/install/run.sh).
install-check: all
	ctest --test-dir $(BUILD) --output-on-failure -R '^test_install$$'

# The explorer page (docs/explore.md) rebuilt with emscripten into
# docs/explore/, the committed build that `lmpviz explore` writes.
web: configure
	cmake --build $(BUILD) --target web
	cp $(BUILD)/web/explore/index.html $(BUILD)/web/explore/explore.js \
	    $(BUILD)/web/explore/explore.css $(BUILD)/web/explore/lmp.js docs/explore/

bench: all
	$(BUILD)/bin/lmpviz bench

clean:
	rm -rf $(BUILD) $(SAN_BUILD) $(VG_BUILD) $(FUZZ_BUILD)
