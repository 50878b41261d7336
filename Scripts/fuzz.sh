#!/usr/bin/env bash
# Builds the libFuzzer targets of Fuzz/ (address sanitizer on) and runs each for SECONDS
# over seeds made from the test fixtures. Usage: Scripts/fuzz.sh SECONDS [TARGET...]
# Targets: csv-reader (serial and parallel reads agree), values (amount, date, USCC,
# region, category and count parsers), header (header matching), pipeline-file (loader).
# A crash, an out-of-memory or an input slower than 10 s stops with the input saved
# under Fuzz/crashes/; turn it into a fixture and a test. New corpus units are kept under
# Fuzz/.build/corpus/ between runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD
seconds=${1:-300}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(csv-reader values header pipeline-file)

flags=(-Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library)
(cd Fuzz && swift build "${flags[@]}" --product sectorstats-fuzz)
bin="$(cd Fuzz && swift build "${flags[@]}" --show-bin-path)/sectorstats-fuzz"

seeds_of() {
    local t=$1 dir=Fuzz/.build/seeds/$1
    rm -rf "$dir"
    mkdir -p "$dir"
    local fixtures=(Tests/Fixtures/csv/*.csv Tests/Fixtures/csv/*.tsv Tests/Fixtures/normalize/*.csv)
    case $t in
        csv-reader)
            # The first byte picks the delimiter (1 comma, 2 tab) and the chunk count.
            local i=0 f
            for f in "${fixtures[@]}"; do
                i=$((i + 1))
                { if [[ $f == *.tsv ]]; then printf '\x0a'; else printf '\x09'; fi; cat "$f"; } > "$dir/seed-$i"
            done ;;
        values)
            cat "${fixtures[@]}" | tr ',' '\n' | sort -u | split -l 1 - "$dir/v-" ;;
        header)
            head -qn1 "${fixtures[@]}" | sort -u | split -l 1 - "$dir/h-" ;;
        pipeline-file)
            cp pipelines/*.yml "$dir/" ;;
        *) echo "unknown fuzz target $t" >&2; exit 64 ;;
    esac
    echo "$dir"
}

mkdir -p Fuzz/crashes
for t in "${targets[@]}"; do
    seeds=$(seeds_of "$t")
    work=Fuzz/.build/corpus/$t
    mkdir -p "$work"
    echo "== fuzz $t for ${seconds}s ($(ls "$seeds" | wc -l) seeds, $(ls "$work" | wc -l) corpus units)"
    log=Fuzz/.build/fuzz-$t.log
    if ! SECTORSTATS_FUZZ_TARGET=$t "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$repo/Fuzz/crashes/$t-" "$work" "$seeds" > "$log" 2>&1; then
        grep -v '^#[0-9]' "$log" | tail -60
        echo "fuzz $t: failed; the input is in Fuzz/crashes/ (full log: $log)" >&2
        exit 1
    fi
    grep -E '^Done|stat::number_of_executed_units|stat::peak_rss' "$log" || true
done
