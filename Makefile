# Thin wrapper over CMake.  `make test` and `make demo` install missing
# system packages first (scripts/install-deps) and configure CMake.
BUILD      ?= build
SAN_BUILD  ?= build-sanitize
BUILD_TYPE ?= Release
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=

.PHONY: all deps configure test demo test-sanitize bench clean

all: configure
	cmake --build $(BUILD) -j $(JOBS)

deps:
	@scripts/install-deps --check || scripts/install-deps

configure: deps
	@test -f $(BUILD)/CMakeCache.txt || \
	    cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_ARGS)

test: all
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

demo: all
	$(BUILD)/bin/lmpviz curve --p 1.5 --m 0.1

test-sanitize: deps
	@test -f $(SAN_BUILD)/CMakeCache.txt || \
	    cmake -S . -B $(SAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DLMP_SANITIZE=ON -DLMP_CUDA=OFF $(CMAKE_ARGS)
	cmake --build $(SAN_BUILD) -j $(JOBS)
	ctest --test-dir $(SAN_BUILD) --output-on-failure -j $(JOBS)

bench: all
	$(BUILD)/bin/lmpviz bench

clean:
	rm -rf $(BUILD) $(SAN_BUILD)
