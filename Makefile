# eryx: the two commands of the README.
#   make demo   builds everything (installing what it needs) and runs a sandboxed demo
#   make test   builds everything and runs every test suite
# Heavy third-party builds are cached under ~/.cache/eryx, keyed by their recipes.

BUILD      ?= build
BUILD_ASAN ?= build-asan
JOBS       ?= $(shell nproc)

.PHONY: all deps build python demo test test-unit-sanitized bench soak format clean

VENV       ?= .venv
PY_TOOLS   := nanobind==3.1.0 scikit-build-core==1.1.2 pytest==9.2.0

all: build

deps:
	@scripts/bootstrap.sh

$(BUILD)/.deps.cmake: deps FORCE
	@mkdir -p $(BUILD)
	@wasmtime_dir=$$(scripts/build-wasmtime.sh) && \
	 guest_deps_dir=$$(scripts/build-guest-deps.sh) && \
	 jsoncons_dir=$$(scripts/fetch-jsoncons.sh) && \
	 printf 'set(ERYX_WASMTIME_DIR "%s" CACHE PATH "" FORCE)\nset(ERYX_GUEST_DEPS_DIR "%s" CACHE PATH "" FORCE)\nset(ERYX_JSONCONS_DIR "%s" CACHE PATH "" FORCE)\n' \
	   "$$wasmtime_dir" "$$guest_deps_dir" "$$jsoncons_dir" > $@.new && \
	 if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi

build: $(BUILD)/.deps.cmake
	@cmake -S . -B $(BUILD) -G Ninja -C $(BUILD)/.deps.cmake -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# The Python package, built by scikit-build-core into $(VENV) (build dir build/python, incremental).
$(VENV)/.tools:
	@python3 -m venv $(VENV)
	@$(VENV)/bin/pip install -q --upgrade pip
	@$(VENV)/bin/pip install -q $(PY_TOOLS)
	@touch $@

python: build $(VENV)/.tools
	@echo "[eryx] installing the Python package into $(VENV)"
	@$(VENV)/bin/pip install -q --no-build-isolation \
	  -Ccmake.define.ERYX_WASMTIME_DIR=$$(sed -n 's/^set(ERYX_WASMTIME_DIR "\(.*\)" CACHE.*/\1/p' $(BUILD)/.deps.cmake) \
	  -Ccmake.define.ERYX_GUEST_DEPS_DIR=$$(sed -n 's/^set(ERYX_GUEST_DEPS_DIR "\(.*\)" CACHE.*/\1/p' $(BUILD)/.deps.cmake) \
	  -Ccmake.define.ERYX_JSONCONS_DIR=$$(sed -n 's/^set(ERYX_JSONCONS_DIR "\(.*\)" CACHE.*/\1/p' $(BUILD)/.deps.cmake) \
	  .

demo: build
	@echo '$$ build/eryx -c "import sys; print(sys.version_info[:2], sys.platform)"'
	@$(BUILD)/eryx -c "import sys; print(sys.version_info[:2], sys.platform)"
	@echo '$$ build/eryx -c "import os; print(os.listdir(\"/\")); open(\"/etc/passwd\")"'
	@$(BUILD)/eryx -c "import os; print(os.listdir('/')); open('/etc/passwd')" || true

test: build test-unit-sanitized python
	@ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)
	@$(VENV)/bin/python -m pytest -q python/tests

# The engine-free layers (WASI, VFS) again under AddressSanitizer and UBSan.
test-unit-sanitized: deps
	@cmake -S . -B $(BUILD_ASAN) -G Ninja -DERYX_ENGINE=OFF -DERYX_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug \
	  -DERYX_JSONCONS_DIR=$$(scripts/fetch-jsoncons.sh) >/dev/null
	@cmake --build $(BUILD_ASAN) -j $(JOBS)
	@ctest --test-dir $(BUILD_ASAN) --output-on-failure -j $(JOBS)

bench: build
	@$(BUILD)/bench/eryx_bench --benchmark_min_warmup_time=0.2

# RSS, fds and threads stay flat over 10,000 sandboxes, 1,000 sessions and 64 concurrent executions
# (docs/reliability.md); not part of `make test` (it takes minutes).
soak: python
	@$(VENV)/bin/python bench/python/soak.py

format:
	@clang-format-19 -i $$(git ls-files '*.cpp' '*.h' '*.hpp' '*.c')

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(VENV)

FORCE:
