# phaselab: the two commands of the README, plus a few helpers.
#   make run    install missing Debian packages (as root), build, run the default experiment
#   make test   same setup, then the whole test suite
#   make fuzz   the libFuzzer harnesses (installs clang), FUZZ_TIME seconds each
BUILD ?= build
BUILD_TYPE ?= Release
CMAKE_FLAGS ?=
JOBS ?= 2
OUT ?= out
PACKAGES = cmake make gcc pkg-config python3 libopenblas-dev liblapacke-dev libsqlite3-dev \
           libplplot-dev plplot-driver-cairo libcjson-dev zlib1g-dev liblbfgs-dev \
           libopenmpi-dev openmpi-bin
BENCH_PACKAGES = python3-numpy python3-scipy python3-torch python3-threadpoolctl
FUZZ_PACKAGES = clang
FUZZ_BUILD ?= build-fuzz
FUZZ_TIME ?= 120

.PHONY: deps build run test bench fuzz install clean

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

bench: build
	@missing=$$(for p in $(BENCH_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" -eq 0 ]; then apt-get install -y -qq --no-install-recommends $$missing; \
	  else echo "run: sudo apt-get install -y" $$missing; exit 1; fi; fi
	bash bench/run.sh $(BUILD)

# libFuzzer harnesses (fuzz/): clang build of the instrumented library, FUZZ_TIME s per harness
fuzz: deps
	@missing=$$(for p in $(FUZZ_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" -eq 0 ]; then apt-get install -y -qq --no-install-recommends $$missing; \
	  else echo "run: sudo apt-get install -y" $$missing; exit 1; fi; fi
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DPL_FUZZ=ON -DPL_WERROR=ON -DPL_WITH_MPI=OFF -DPL_BUILD_BENCH=OFF -DBUILD_TESTING=OFF
	cmake --build $(FUZZ_BUILD) -j$(JOBS) --target fuzz_grid fuzz_args fuzz_config fuzz_params
	bash fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_TIME)

install: build
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(OUT) $(FUZZ_BUILD)
