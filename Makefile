# Thin wrapper: the real build is CMake. See README.md.
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= 2
PORT ?= 3001
HOST ?= 127.0.0.1

.PHONY: deps build run test test-asan bench clean

deps:
	@bash packaging/deps.sh build

$(BUILD_DIR)/CMakeCache.txt:
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_ARGS) >/dev/null

build: deps $(BUILD_DIR)/CMakeCache.txt
	@cmake --build $(BUILD_DIR) -j$(JOBS)

run: build
	PORT=$(PORT) HOST=$(HOST) $(BUILD_DIR)/bin/afwd

test:
	@bash packaging/deps.sh test
	@$(MAKE) --no-print-directory build
	cd $(BUILD_DIR) && ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure -j$(JOBS) --timeout 300

# The same suites on an ASan+UBSan build of everything (its own build directory).
test-asan:
	@$(MAKE) --no-print-directory test BUILD_DIR=build-asan CMAKE_ARGS="$(CMAKE_ARGS) -DAFW_SANITIZE=ON"

bench:
	@bash packaging/deps.sh bench
	@$(MAKE) --no-print-directory build
	bash bench/run.sh

clean:
	rm -rf $(BUILD_DIR) build-asan
