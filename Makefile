# phaselab: the two commands of the README, plus a few helpers.
#   make run    install missing Debian packages (as root), build, run the default experiment
#   make test   same setup, then the whole test suite
#   make pytest same setup, then the Python binding's tests (installed with pip into a venv)
#   make fuzz   the libFuzzer harnesses (installs clang), FUZZ_TIME seconds each
BUILD ?= build
BUILD_TYPE ?= Release
CMAKE_FLAGS ?=
JOBS ?= 2
OUT ?= out
PACKAGES = cmake make gcc pkg-config python3 libopenblas-dev liblapacke-dev libsqlite3-dev \
           libplplot-dev plplot-driver-cairo libcjson-dev zlib1g-dev liblbfgs-dev \
           libopenmpi-dev openmpi-bin \
           python3-numpy python3-pytest python3-venv python3-pip python3-setuptools python3-wheel \
           dataset-fashion-mnist
BENCH_PACKAGES = python3-numpy python3-scipy python3-torch python3-threadpoolctl
FUZZ_PACKAGES = clang
FUZZ_BUILD ?= build-fuzz
FUZZ_TIME ?= 120

PYENV ?= $(BUILD)/pyenv

.PHONY: deps build run test pytest bench fuzz install clean

deps:
	@missing=$$(for p in $(PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" -eq 0 ]; then \
	    echo "installing:" $$missing; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "missing Debian packages; run:"; \
	    echo "  sudo apt-get install -y --no-install-recommends" $$missing; \
	    exit 1; \
	  fi; \
	fi

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

run: build
	@mkdir -p $(OUT)
	$(BUILD)/phaselab run bbp --default-sweep --store $(OUT)/bbp.db --plot $(OUT)/bbp.png

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

# The Python package installed offline from the checkout into a venv that sees Debian's numpy
# and pytest, then its tests run against that install (from python/tests, so that the
# checkout's copy is not the one imported) with this build's library and command.
pytest: build
	test -x $(PYENV)/bin/python || $$(command -p -v python3) -m venv --system-site-packages $(PYENV)
	$(PYENV)/bin/python -m pip install --quiet --no-build-isolation --no-index ./python
	cd python/tests && PHASELAB_LIB=$(abspath $(BUILD))/libphaselab.so \
	  PHASELAB_BIN=$(abspath $(BUILD))/phaselab $(abspath $(PYENV))/bin/python -c \
	  'import phaselab, sys; assert "/site-packages/" in phaselab.__file__, phaselab.__file__; print("phaselab", phaselab.version(), "from", phaselab.__file__, "with", phaselab.library_path())'
	cd python/tests && PHASELAB_LIB=$(abspath $(BUILD))/libphaselab.so \
	  PHASELAB_BIN=$(abspath $(BUILD))/phaselab $(abspath $(PYENV))/bin/python -m pytest -q -p no:cacheprovider

bench: build
	@missing=$$(for p in $(BENCH_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" -eq 0 ]; then apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; \
	  else echo "run: sudo apt-get install -y" $$missing; exit 1; fi; fi
	bash bench/run.sh $(BUILD)

# libFuzzer harnesses (fuzz/): clang build of the instrumented library, FUZZ_TIME s per harness
fuzz: deps
	@missing=$$(for p in $(FUZZ_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" -eq 0 ]; then apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; \
	  else echo "run: sudo apt-get install -y" $$missing; exit 1; fi; fi
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DPL_FUZZ=ON -DPL_WERROR=ON -DPL_WITH_MPI=OFF -DPL_BUILD_BENCH=OFF -DBUILD_TESTING=OFF
	cmake --build $(FUZZ_BUILD) -j$(JOBS) --target fuzz_grid fuzz_args fuzz_config fuzz_params
	bash fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_TIME)

install: build
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(OUT) $(FUZZ_BUILD)
