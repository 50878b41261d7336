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

SWIFT ?= swift
PYTHON ?= python3
BIN = $(shell $(SWIFT) build --show-bin-path 2>/dev/null)/sectorstats

.PHONY: build test run bench bench-quick format lint clean setup

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
