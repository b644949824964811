# Thin wrapper: the real build is CMake. See README.md.
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= 2
PORT ?= 3001
HOST ?= 127.0.0.1

.PHONY: deps build run test bench clean

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
	cd $(BUILD_DIR) && ctest --output-on-failure -j$(JOBS) --timeout 300

bench:
	@bash packaging/deps.sh bench
	@$(MAKE) --no-print-directory build
	bash bench/run.sh

clean:
	rm -rf $(BUILD_DIR)
