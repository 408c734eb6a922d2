# anybit - thin wrappers around CMake for the README's commands.
#   make run    install deps, build, run the default job
#   make test   install deps, build, run every suite (unit, sanitizer, fuzz)
#   make bench  build and run the benchmarks (figures, never pass/fail)
#   make asan   the unit tests under AddressSanitizer + UBSan
#   make fuzz   the libFuzzer targets for FUZZ_SECONDS each
JOBS        ?= $(shell nproc 2>/dev/null || echo 2)
BUILD       ?= build
ASAN_BUILD  ?= build-asan
FUZZ_BUILD  ?= build-fuzz
FUZZ_SECONDS ?= 20
GENERATOR   := -G Ninja

.PHONY: all deps build run test unit asan fuzz bench clean

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

$(ASAN_BUILD)/build.ninja:
	cmake -S . -B $(ASAN_BUILD) $(GENERATOR) -DCMAKE_BUILD_TYPE=Debug \
	  -DANYBIT_SANITIZE=ON -DANYBIT_BENCH=OFF

asan: deps $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure --no-tests=error -j $(JOBS)

$(FUZZ_BUILD)/build.ninja:
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) $(GENERATOR) \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DANYBIT_FUZZ=ON -DANYBIT_TESTS=OFF \
	  -DANYBIT_BENCH=OFF -DANYBIT_FUZZ_SECONDS=$(FUZZ_SECONDS)

fuzz: deps $(FUZZ_BUILD)/build.ninja
	cmake -DANYBIT_FUZZ_SECONDS=$(FUZZ_SECONDS) $(FUZZ_BUILD) >/dev/null
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	cd $(FUZZ_BUILD) && ctest --output-on-failure --no-tests=error -j $(JOBS)

test: unit asan fuzz

bench: build
	@for b in $(BUILD)/bench_*; do echo "== $$b"; ./$$b || exit 1; done

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
