# sectorstats — everyday commands
#
#   make build   debug build (installs libcsv-dev/zlib1g-dev first when missing)
#   make test    all tests (what CI runs)
#   make run     the main job on the bundled datasets
#   make bench   release-build benchmarks; appends a dated section to BENCHMARKS.md
#   make format  format the sources in place with swift-format
#   make lint    check formatting without changing files
#   make clean   remove build products and cached benchmark data

SWIFT ?= swift
BIN = $(shell $(SWIFT) build --show-bin-path 2>/dev/null)/sectorstats

.PHONY: build test run bench format lint clean setup

setup:
	@bash Scripts/setup.sh

build: setup
	$(SWIFT) build

test: setup
	$(SWIFT) build --build-tests -Xswiftc -warnings-as-errors
	$(SWIFT) test --skip-build

# Until the pipeline runner exists, `run` inspects the bundled sample. The sample holds two
# deliberately malformed records, so inspect's exit code 65 (malformed records found) is
# the expected outcome here.
run: build
	@$(BIN) inspect datasets/samples/registrations_sample.csv --limit 5; rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 65 ]

bench: setup
	bash Scripts/bench-reader.sh

format:
	swift-format format --in-place --recursive Sources Tests Package.swift

lint:
	swift-format lint --recursive Sources Tests Package.swift

clean:
	rm -rf .build .bench bench/bin
