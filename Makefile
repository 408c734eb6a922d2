# anybit - thin wrappers around CMake for the README's commands.
#   make run    install deps, build, run the default job
#   make test   install deps, build, run every suite (unit, a sample of the mutants,
#               sanitizer, fuzz, the install, and the Slurm sweep where a local Slurm
#               can run: root)
#   make bench  build and run the benchmarks (figures, never pass/fail)
#   make synth  Yosys cell/transistor counts of the RTL PEs into out/synth.json
#   make test-install  install into a temporary prefix, run from outside the tree, build the .deb
#   make deb    the .deb (CPack) in $(BUILD)/
#   make mutants  every mutant of tests/mutants/*.txt must fail its tests (scripts/mutants.py)
#   make mutants-sample  MUTANTS_SAMPLE (12) of them spread over the lists (part of make test)
#   make asan   the unit tests under AddressSanitizer + UBSan
#   make fuzz   the libFuzzer targets for FUZZ_SECONDS each (15; CTest runs JOBS at once)
#   make fuzz-long  each fuzz target for FUZZ_LONG_SECONDS (600); final stats in out/fuzz-long/
#   make test-slurm  a sweep on a local one-node Slurm (root; fails instead of skipping)
#   make fpga   the iCEBreaker bitstream by the open flow into $(FPGA_OUT)/, checked against
#               fpga/flow/floors.json (part of make test; docs/fpga.md)
JOBS        ?= $(shell nproc 2>/dev/null || echo 2)
BUILD       ?= build
ASAN_BUILD  ?= build-asan
FUZZ_BUILD  ?= build-fuzz
FPGA_OUT    ?= $(BUILD)/fpga
FUZZ_SECONDS ?= 15
FUZZ_LONG_SECONDS ?= 600
FUZZ_LONG_OUT ?= out/fuzz-long
MUTANTS_SAMPLE ?= 12
GENERATOR   := -G Ninja

.PHONY: all deps build run test unit asan fuzz fuzz-long bench synth fpga test-install deb mutants mutants-sample test-slurm slurm-optional clean

all: build

deps:
	@scripts/deps.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) $(GENERATOR) -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# The default job: Llama-2-7B prefill and decode (context 256, BitMoD's
# evaluation setting) on the accelerator presets, one comparison table.
RUN_CONFIGS ?= bitmod,fp16,ant,olive,btc
RUN_PHASES  ?= prefill:256,decode:256
run: build
	./$(BUILD)/anybit compare --configs $(RUN_CONFIGS) --model llama2-7b --phase $(RUN_PHASES)

unit: build
	cd $(BUILD) && ctest --output-on-failure --no-tests=error -j $(JOBS)

# The sanitizer build runs the unit tests; the lab pages' doc-tests and
# figures (whole labs through the CLI: an iCE40 synthesis, Verilator builds,
# Chromium and GTKWave) run once, in `unit`, to keep CI inside its time, and
# so do the per-SIMD-path reruns of the value suites (Simd.<path>: they
# check that the paths agree; the sanitizer runs those suites on the best
# path already).
ASAN_SKIP ?= ^(Labs\.(DocTest|Figures)|Simd\..*)$$

$(ASAN_BUILD)/build.ninja:
	cmake -S . -B $(ASAN_BUILD) $(GENERATOR) -DCMAKE_BUILD_TYPE=Debug \
	  -DANYBIT_SANITIZE=ON -DANYBIT_BENCH=OFF

asan: deps $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure --no-tests=error -j $(JOBS) \
	  -E '$(ASAN_SKIP)'

$(FUZZ_BUILD)/build.ninja:
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) $(GENERATOR) \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DANYBIT_FUZZ=ON -DANYBIT_TESTS=OFF \
	  -DANYBIT_BENCH=OFF -DANYBIT_RTL=OFF -DANYBIT_FUZZ_SECONDS=$(FUZZ_SECONDS)

fuzz: deps $(FUZZ_BUILD)/build.ninja
	cmake -DANYBIT_FUZZ_SECONDS=$(FUZZ_SECONDS) $(FUZZ_BUILD) >/dev/null
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	cd $(FUZZ_BUILD) && UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  ctest --output-on-failure --no-tests=error -j $(JOBS)

# Each target for FUZZ_LONG_SECONDS, JOBS at a time, on its corpus in
# $(FUZZ_BUILD)/fuzz-corpus/<target> (kept, as for make fuzz) with the flags
# CTest uses ($(FUZZ_BUILD)/fuzz-run/<target>.sh, written by CMakeLists.txt).
# $(FUZZ_LONG_OUT)/<target>.log: libFuzzer's final stats (executions,
# coverage, corpus size); <target>.full.log: everything it printed.  Fails
# when a target does (a crash, a leak, UB, a timeout: the reproducer is in
# $(FUZZ_BUILD)/).
fuzz-long: deps $(FUZZ_BUILD)/build.ninja
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	mkdir -p $(FUZZ_LONG_OUT)
	ls $(FUZZ_BUILD)/fuzz-run/*.sh | xargs -P $(JOBS) -I{} sh -c \
	  't=$$(basename {} .sh); sh {} $(FUZZ_LONG_SECONDS) >$(FUZZ_LONG_OUT)/$$t.full.log 2>&1; \
	   rc=$$?; grep -E "DONE|^stat::|^Done " $(FUZZ_LONG_OUT)/$$t.full.log >$(FUZZ_LONG_OUT)/$$t.log; \
	   echo "$$t: exit $$rc: $$(grep DONE $(FUZZ_LONG_OUT)/$$t.log)"; exit $$rc'

test: unit mutants-sample asan fuzz fpga test-install slurm-optional

# The install as a user meets it (docs/cli.md "Installing").
test-install: build
	@scripts/install-test.sh $(BUILD)

deb: build
	cd $(BUILD) && cpack -G DEB

# Mutation testing in a scratch copy (build-mutants/): tests/mutants/README.md.
mutants: deps
	@scripts/mutants.py --jobs $(JOBS)

# The CI sample: a spread of the list, every one must be killed (~3 min from
# a fresh scratch copy on 2 cores, docs/performance.md "Mutation testing").
mutants-sample: deps
	@scripts/mutants.py --jobs $(JOBS) --sample $(MUTANTS_SAMPLE)

# A sweep through Slurm, end to end, on a one-node cluster brought up here
# (scripts/slurm-local.sh: installs slurm-wlm and munge, needs root): its
# results.csv must equal a plain `anybit sweep`'s. docs/sweeps.md, "Running on
# a cluster (Slurm)".
SLURM_SPACE  ?= examples/sweeps/slurm-smoke.yaml
SLURM_SHARDS ?= 3
SLURM_ANYBIT ?= $(BUILD)/anybit
test-slurm: build
	@scripts/slurm-test.sh $(SLURM_ANYBIT) $(SLURM_SPACE) $(SLURM_SHARDS)

# The same inside `make test` (CI): runs where a local Slurm can be brought up
# (root), skips with a line saying why where it cannot; a run whose results
# differ fails. Bounded so that a cluster that never schedules cannot hang CI.
slurm-optional: build
	@if [ "$$(id -u)" != 0 ]; then \
	  echo "test-slurm: SKIP: a local Slurm needs root (run make test-slurm as root)"; \
	else \
	  rc=0; ANYBIT_SLURM_OPTIONAL=1 timeout 900 scripts/slurm-test.sh $(SLURM_ANYBIT) \
	    $(SLURM_SPACE) $(SLURM_SHARDS) || rc=$$?; \
	  if [ $$rc = 124 ]; then \
	    scripts/slurm-local.sh stop >/dev/null 2>&1 || true; \
	    echo "test-slurm: SKIP: timed out after 900 s (the local Slurm did not run the jobs)"; \
	  elif [ $$rc != 0 ]; then exit $$rc; fi; \
	fi

# Yosys on every top in rtl/, the PEs and the array (docs/rtl.md
# "Synthesis"; pe_btc takes minutes); an accelerator config with
# area_source: yosys reads its PE area from out/synth.json.
SYNTH_JSON ?= out/synth.json
synth: build
	@mkdir -p $(dir $(SYNTH_JSON))
	./$(BUILD)/anybit synth --all -o $(SYNTH_JSON)

# The iCEBreaker bitstream (Yosys -> nextpnr-ice40 -> icepack -> icetime),
# its utilization/timing JSON, and the check that it fits and meets its
# clocks (docs/fpga.md "Flow").  Needs no build of anybit.
fpga: deps
	@fpga/flow/build.sh $(FPGA_OUT)
	@fpga/flow/check.py $(FPGA_OUT)/fpga.json

bench: build
	@for b in $(BUILD)/bench_*; do echo "== $$b"; ./$$b || exit 1; done

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) build-mutants
