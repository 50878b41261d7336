# sectorstats — everyday commands
#
#   make build   debug build (installs libcsv-dev/zlib1g-dev first when missing)
#   make test    all tests (what CI runs): swift test, then the Dask driver's (scale/, needs
#                pip install -r scale/requirements.txt for $(PYTHON); skipped without it unless REQUIRE_DASK=1)
#   make run     the main job on the bundled datasets (tables, manifest and reports under outputs/default/latest/)
#   make bench   release-build benchmarks (900k orgs + 10M funding rows); appends to BENCHMARKS.md
#   make bench-quick  the same on 100k orgs + 1M funding rows
#   make format  format the sources in place with swift-format
#   make lint    check formatting without changing files
#   make clean   remove build products and cached benchmark data
#   make install [PREFIX=/usr/local]  release build (static Swift runtime) into PREFIX/bin
#   make test-install  install into a temporary PREFIX and run it from an unrelated folder
#   make fuzz [FUZZ_SECONDS=300]  libFuzzer targets (Fuzz/), each for FUZZ_SECONDS; fuzz-smoke: 10 s each
#   make test-tsan  the concurrency tests under the thread sanitizer

SWIFT ?= swift
PYTHON ?= python3
PREFIX ?= /usr/local
FUZZ_SECONDS ?= 300
# The tests that run code on several threads (chunked reads, parallel aggregation and
# partials, the generator's workers, parallel hashing and writes).
TSAN_TESTS ?= ParallelCSVReaderTests|AggregateCrossCheckTests|AggregateStageTests|AggregateStageFixtureTests|PartialsAndMergeTests|ExportGeneratorTests|AtomicFileTests|StopGateTests
BIN = $(shell $(SWIFT) build --show-bin-path 2>/dev/null)/sectorstats

.PHONY: build test run bench bench-quick format lint clean setup install test-install fuzz fuzz-smoke test-tsan

setup:
	@bash Scripts/setup.sh

build: setup
	$(SWIFT) build

test: setup
	$(SWIFT) build --build-tests -Xswiftc -warnings-as-errors
	$(SWIFT) test --skip-build
	$(PYTHON) scale/test_dask_run.py --binary $(BIN)

# The main job: the bundled datasets through every stage; the tables, quarantine, manifest
# and the reports (report.xlsx, report.html) published together under outputs/default/latest/.
run: build
	$(BIN) run pipelines/default.yml

bench: setup
	bash Scripts/bench-reader.sh
	bash Scripts/bench-pipeline.sh
	@if $(PYTHON) -c 'import distributed' 2>/dev/null; then \
		BIN=$$($(SWIFT) build -c release --show-bin-path)/sectorstats PYTHON=$(PYTHON) bash scale/bench_driver.sh; \
	else echo "bench: the Dask driver's line skipped (pip install -r scale/requirements.txt)"; fi

bench-quick: setup
	BENCH_ORGS=100000 BENCH_FUNDING=1000000 bash Scripts/bench-pipeline.sh

format:
	swift-format format --in-place --recursive Sources Tests Package.swift

lint:
	swift-format lint --recursive Sources Tests Package.swift

clean:
	rm -rf .build .bench bench/bin

# A release build with the Swift runtime and Foundation linked in: the binary needs only
# libcsv3, zlib1g and libxlsxwriter4 (and the C/C++ runtime) at run time; the GB/T 2260
# tables are built in.
install: setup
	$(SWIFT) build -c release --static-swift-stdlib --product sectorstats
	install -d "$(DESTDIR)$(PREFIX)/bin"
	install -m 755 -s "$$($(SWIFT) build -c release --static-swift-stdlib --show-bin-path)/sectorstats" "$(DESTDIR)$(PREFIX)/bin/sectorstats"

test-install:
	bash Scripts/test-install.sh

fuzz: setup
	bash Scripts/fuzz.sh $(FUZZ_SECONDS)

fuzz-smoke: setup
	bash Scripts/fuzz.sh 10

# A build of its own (.build-tsan), so the everyday build is not rebuilt afterwards.
test-tsan: setup
	$(SWIFT) build --build-tests --sanitize=thread --scratch-path .build-tsan
	TSAN_OPTIONS=halt_on_error=1 $(SWIFT) test --skip-build --sanitize=thread --scratch-path .build-tsan --filter '$(TSAN_TESTS)'
