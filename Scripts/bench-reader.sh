#!/usr/bin/env bash
# Reader benchmark: libcsv C floor vs. `sectorstats read-count` (1 and 2 threads).
#
#   bash Scripts/bench-reader.sh        (what `make bench` runs; from the repo root)
#
# Environment:
#   BENCH_SWIFT=0      skip the Swift build and the Swift measurements (C parts only)
#   BENCH_APPEND=0     do not write the results into BENCHMARKS.md (between its reader markers)
#   BENCH_READER_MB=N  size of the generated file in MB (10^6 bytes); default 520
#
# Steps: compile bench/*.c into bench/bin/, generate .bench/reader.csv once (cached;
# regenerated when its size or the generator source changes), build the Swift binary,
# time each command RUNS times, interleaved, with one more floor run at the end (median
# wall time; peak RSS = max over the runs), check that the Swift reader's record and field
# counts equal the C floor's, print a table and the ratios, and append a dated section to
# BENCHMARKS.md. Each ratio is taken per round and the median of the rounds is reported:
# a Swift run against the mean of the floor runs just before and after it (floor, run,
# floor), so that the VM's drift between minutes does not flip PASS/FAIL.
# Exit 1 on a build failure, a failed command, or a count mismatch. Missing a
# throughput target is reported as FAIL in the table but does not fail the script.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

BENCH_SWIFT="${BENCH_SWIFT:-1}"
BENCH_APPEND="${BENCH_APPEND:-1}"
SIZE_MB="${BENCH_READER_MB:-520}"
RUNS=5
TARGET_1T=0.80 # (b)/(a): Swift 1 thread vs C floor, throughput
TARGET_2T=1.6  # (c)/(b): Swift 2 threads vs Swift 1 thread

BIN_DIR=bench/bin
DATA_DIR=.bench
CSV="$DATA_DIR/reader.csv"
STAMP="$DATA_DIR/reader.csv.stamp"

die() { echo "bench-reader: error: $*" >&2; exit 1; }
log() { echo "bench-reader: $*" >&2; }

[[ "$SIZE_MB" =~ ^[1-9][0-9]*$ ]] || die "BENCH_READER_MB must be a positive integer (got '$SIZE_MB')"
EXPECTED_BYTES=$((SIZE_MB * 1000000))

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# ---------------------------------------------------------------- 1. C programs
mkdir -p "$BIN_DIR" "$DATA_DIR"
log "compiling bench/gen_reader_data.c and bench/csvcount.c"
cc -O2 -Wall -Wextra -o "$BIN_DIR/gen_reader_data" bench/gen_reader_data.c
cc -O2 -Wall -Wextra -o "$BIN_DIR/csvcount" bench/csvcount.c -lcsv

# ---------------------------------------------------------------- 2. data file (cached)
file_size() { stat -c %s "$1"; }
want_stamp="size_mb=$SIZE_MB generator_sha256=$(sha256sum bench/gen_reader_data.c | cut -d' ' -f1)"
if [[ -f "$CSV" && -f "$STAMP" && "$(file_size "$CSV")" == "$EXPECTED_BYTES" \
      && "$(cat "$STAMP")" == "$want_stamp" ]]; then
    log "using cached $CSV ($EXPECTED_BYTES bytes)"
else
    log "generating $CSV ($SIZE_MB MB)"
    rm -f "$CSV" "$STAMP"
    "$BIN_DIR/gen_reader_data" "$CSV.tmp" "$SIZE_MB"
    [[ "$(file_size "$CSV.tmp")" == "$EXPECTED_BYTES" ]] || die "generated file has the wrong size"
    mv "$CSV.tmp" "$CSV"
    echo "$want_stamp" > "$STAMP"
fi
BYTES="$(file_size "$CSV")"

# ---------------------------------------------------------------- 3. Swift binary
SWIFT_BIN=""
if [[ "$BENCH_SWIFT" != "0" ]]; then
    log "swift build -c release"
    swift build -c release >&2
    SWIFT_BIN="$(swift build -c release --show-bin-path)/sectorstats"
    [[ -x "$SWIFT_BIN" ]] || die "Swift binary not found at $SWIFT_BIN"
fi

# ---------------------------------------------------------------- 4. measurements
# The runs are interleaved (a b c, a b c, a b c) so that drifting background load on this
# 2-core machine affects every command alike. Per command KEY: CMD_KEY (array), NAME_KEY;
# results: OUT_KEY (stdout, checked identical across runs), SEC_KEY (median wall seconds),
# RSS_KEY (max peak RSS in KiB over the runs; empty when /usr/bin/time is unavailable).
if [[ -x /usr/bin/time ]]; then HAVE_TIME=1; else HAVE_TIME=0; fi
KEYS=()

add_cmd() { # add_cmd KEY NAME CMD...
    local key="$1" name="$2"; shift 2
    KEYS+=("$key")
    printf -v "NAME_$key" '%s' "$name"
    eval "CMD_$key=(\"\$@\")"
    eval "SECS_$key=()"
    printf -v "RSS_$key" '%s' ""
    printf -v "OUT_$key" '%s' ""
}

run_once() { # run_once KEY ROUND
    local key="$1" round="$2"
    local -n cmd="CMD_$key" secs="SECS_$key" rss="RSS_$key" prev="OUT_$key" name="NAME_$key"
    local sec out
    if ((HAVE_TIME)); then
        if ! /usr/bin/time -f '%e %M' -o "$TMP/time" "${cmd[@]}" > "$TMP/out" 2> "$TMP/err"; then
            cat "$TMP/err" >&2
            die "$name: command failed: ${cmd[*]}"
        fi
        local m
        read -r sec m < <(tail -n 1 "$TMP/time")
        if [[ -z "$rss" ]] || ((m > rss)); then rss="$m"; fi
    else
        local t0 t1
        t0="$(date +%s.%N)"
        if ! "${cmd[@]}" > "$TMP/out" 2> "$TMP/err"; then
            cat "$TMP/err" >&2
            die "$name: command failed: ${cmd[*]}"
        fi
        t1="$(date +%s.%N)"
        sec="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')"
    fi
    secs+=("$sec")
    out="$(cat "$TMP/out")"
    [[ "$(grep -c . <<< "$out")" == 1 ]] || die "$name: expected one output line, got: '$out'"
    if ((round > 1)) && [[ "$out" != "$prev" ]]; then
        die "$name: output differs between runs: '$prev' vs '$out'"
    fi
    prev="$out"
    log "$name run $round/$RUNS: $sec s  $out"
}

# kv LINE KEY: value of KEY=value in LINE (empty if absent)
kv() { awk -v k="$2" '{ for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) { print substr($i, length(k) + 2); exit } }' <<< "$1"; }

check_c() {
    C_RECORDS="$(kv "$OUT_C" records)"
    C_FIELDS="$(kv "$OUT_C" fields)"
    C_BYTES="$(kv "$OUT_C" bytes)"
    [[ "$C_RECORDS" =~ ^[0-9]+$ && "$C_FIELDS" =~ ^[0-9]+$ ]] || die "cannot parse csvcount output: $OUT_C"
    [[ "$C_BYTES" == "$BYTES" ]] || die "csvcount read $C_BYTES bytes, file has $BYTES"
    ((C_FIELDS == 15 * C_RECORDS)) || die "generated file is not 15 fields per record: $OUT_C"
}

check_swift() { # check_swift KEY: counts must equal the C floor's
    local -n name="NAME_$1" out="OUT_$1"
    local r f b mal
    r="$(kv "$out" records)"; f="$(kv "$out" fields)"; b="$(kv "$out" bytes)"; mal="$(kv "$out" malformed)"
    if [[ "$r" != "$C_RECORDS" || "$f" != "$C_FIELDS" ]]; then
        echo "bench-reader: MISMATCH: $name printed '$out'" >&2
        echo "bench-reader:           C floor printed '$OUT_C'" >&2
        die "$name: records/fields differ from the C floor"
    fi
    [[ "$mal" == "0" ]] || die "$name: malformed=$mal on a well-formed file: '$out'"
    [[ "$b" == "$BYTES" ]] || log "warning: $name reports bytes=$b, file has $BYTES"
}

add_cmd C "(a) C floor: csvcount" "$BIN_DIR/csvcount" "$CSV"
if [[ -n "$SWIFT_BIN" ]]; then
    add_cmd S1 "(b) Swift read-count, 1 thread" "$SWIFT_BIN" read-count "$CSV" --threads 1
    add_cmd S0 "(d) as (b), SECTORSTATS_CSV_FASTPATH=0" env SECTORSTATS_CSV_FASTPATH=0 "$SWIFT_BIN" read-count "$CSV" --threads 1
    add_cmd S2 "(c) Swift read-count, 2 threads" "$SWIFT_BIN" read-count "$CSV" --threads 2
fi

# Read the file once so every measured run sees it in the page cache.
cat "$CSV" > /dev/null
# Other work on this 2-core machine (e.g. a concurrent swift build) skews the numbers:
# record the load average and warn when it is high.
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
if awk -v l="${LOAD_START%% *}" 'BEGIN { exit !(l > 0.5) }'; then
    log "warning: 1-minute load average is ${LOAD_START%% *}; results may be noisy"
fi

for ((round = 1; round <= RUNS; round++)); do
    for key in "${KEYS[@]}"; do
        run_once "$key" "$round"
        # Fail fast on wrong counts, before spending more time on runs.
        if ((round == 1)); then
            if [[ "$key" == C ]]; then check_c; else check_swift "$key"; fi
        fi
    done
done
# The floor run after the last round closes its sandwich.
run_once C "$((RUNS + 1))"

ROWS=() # table rows: "name|seconds|MB/s|RSS MiB"
for key in "${KEYS[@]}"; do
    declare -n secs="SECS_$key" rss="RSS_$key" name="NAME_$key"
    median="$(printf '%s\n' "${secs[@]}" | sort -g | sed -n "$(((${#secs[@]} + 1) / 2))p")"
    printf -v "SEC_$key" '%s' "$median"
    mbs="$(awk -v b="$BYTES" -v s="$median" 'BEGIN { if (s > 0) printf "%.1f", b / 1e6 / s; else print "inf" }')"
    rss_mib="n/a"
    [[ -n "$rss" ]] && rss_mib="$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')"
    ROWS+=("$name|$median|$mbs|$rss_mib")
    unset -n secs rss name
done

# ---------------------------------------------------------------- 5. report
# ratio SLOWKEY FASTKEY TARGET -> "value|PASS/FAIL": the median over rounds of the throughput
# ratio (FASTKEY's speed over SLOWKEY's = SLOWKEY's seconds / FASTKEY's seconds) in that
# round; the floor's seconds in round r are the mean of its runs r and r + 1.
ratio() {
    local -n slow="SECS_$1" fast="SECS_$2"
    awk -v s="${slow[*]}" -v f="${fast[*]}" -v ssand="$([[ $1 == C ]] && echo 1 || echo 0)" \
        -v fsand="$([[ $2 == C ]] && echo 1 || echo 0)" -v runs="$RUNS" -v t="$3" '
        function at(a, r, sand) { return sand ? (a[r] + a[r + 1]) / 2 : a[r] }
        BEGIN {
            split(s, S, " "); split(f, F, " ")
            n = 0
            for (r = 1; r <= runs; r++) {
                d = at(F, r, fsand)
                if (d <= 0) { print "n/a|FAIL"; exit }
                R[++n] = at(S, r, ssand) / d
            }
            for (i = 2; i <= n; i++) { v = R[i]; for (j = i - 1; j >= 1 && R[j] > v; j--) R[j + 1] = R[j]; R[j + 1] = v }
            m = R[int((n + 1) / 2)]
            printf "%.2f|%s\n", m, (t == "" ? "-" : (m >= t ? "PASS" : "FAIL")) }'
}
if [[ -n "$SWIFT_BIN" ]]; then
    R1="$(ratio C S1 "$TARGET_1T")"
    R2="$(ratio S1 S2 "$TARGET_2T")"
    R3="$(ratio S0 S1 "")"
else
    R1="n/a|SKIPPED (BENCH_SWIFT=0)"
    R2="n/a|SKIPPED (BENCH_SWIFT=0)"
    R3="n/a|SKIPPED (BENCH_SWIFT=0)"
fi

DATE="$(date -u)"
NPROC="$(nproc)"
MEM_GIB="$(awk '/^MemTotal:/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)"
CPU="$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
CPU="${CPU:-unknown}"
COMMIT="$(git rev-parse --short HEAD 2> /dev/null || echo unknown)"
if [[ "$COMMIT" != unknown ]] && [[ -n "$(git status --porcelain 2> /dev/null)" ]]; then
    COMMIT="$COMMIT (uncommitted changes)"
fi
CC_VERSION="$(cc --version | awk 'NR == 1')"
SWIFT_VERSION="skipped"
if [[ -n "$SWIFT_BIN" ]]; then
    SWIFT_VERSION="$(swift --version 2>&1 | awk 'tolower($0) ~ /swift version/ { v = $0; exit } END { print (v == "" ? "swift: unknown" : v) }')"
fi
TIMER="/usr/bin/time -f '%e %M'"
((HAVE_TIME)) || TIMER="date +%s.%N (no peak RSS)"

echo
echo "Reader benchmark  $DATE"
echo "file: $CSV  $BYTES bytes ($(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1e6 }') MB), $C_RECORDS records incl. header, $C_FIELDS fields"
printf '%-34s %9s %9s %13s\n' "measurement" "seconds" "MB/s" "peak RSS MiB"
for row in "${ROWS[@]}"; do
    IFS='|' read -r n s m r <<< "$row"
    printf '%-34s %9s %9s %13s\n' "$n" "$s" "$m" "$r"
done
echo "ratio (b)/(a) throughput: ${R1%%|*}  target >= $TARGET_1T  ${R1#*|}"
echo "ratio (c)/(b) throughput: ${R2%%|*}  target >= $TARGET_2T  ${R2#*|}"
echo "ratio (b)/(d) throughput: ${R3%%|*}  (the quote-free fast path's speed-up; no target)"

if [[ "$BENCH_APPEND" != "0" ]]; then
    TMPSEC=$(mktemp)
    {
        echo "Measured $DATE by \`make bench\`."
        echo
        echo "- Machine: $NPROC CPUs (nproc), $MEM_GIB GiB RAM (MemTotal), CPU: $CPU"
        echo "- Commit: $COMMIT"
        echo "- Compilers: $CC_VERSION; $SWIFT_VERSION"
        echo "- File: \`$CSV\`, $BYTES bytes, $C_RECORDS records incl. header, $C_FIELDS fields"
        echo "- Load average at start (1/5/15 min): $LOAD_START"
        echo "- Method: median wall time of $RUNS interleaved rounds (a b d c) and one more floor run ($TIMER), file in the page cache; peak RSS is the max over the runs; MB = 10^6 bytes; each ratio is the median over the rounds of that round's ratio, the floor taken as the mean of its runs before and after the round"
        [[ -n "$SWIFT_BIN" ]] || echo "- Swift measurements skipped (BENCH_SWIFT=0)"
        echo
        echo "| Measurement | Seconds | MB/s | Peak RSS MiB |"
        echo "|---|---:|---:|---:|"
        for row in "${ROWS[@]}"; do
            IFS='|' read -r n s m r <<< "$row"
            echo "| $n | $s | $m | $r |"
        done
        echo
        echo "| Ratio | Value | Target | Result |"
        echo "|---|---:|---:|---|"
        echo "| (b)/(a) throughput, Swift 1 thread vs C floor | ${R1%%|*} | ≥ $TARGET_1T | ${R1#*|} |"
        echo "| (c)/(b) throughput, Swift 2 threads vs 1 thread | ${R2%%|*} | ≥ $TARGET_2T | ${R2#*|} |"
        echo "| (b)/(d) throughput, quote-free fast path on vs off | ${R3%%|*} | – | – |"
    } > "$TMPSEC"
    # The latest results replace the previous ones between the markers.
    grep -q '<!-- reader:begin -->' BENCHMARKS.md || { echo "BENCHMARKS.md has no <!-- reader:begin --> marker" >&2; exit 1; }
    awk -v f="$TMPSEC" '/<!-- reader:begin -->/ { print; while ((getline l < f) > 0) print l; skip = 1; next }
        /<!-- reader:end -->/ { skip = 0 } !skip' BENCHMARKS.md > "$TMPSEC.md" && cat "$TMPSEC.md" > BENCHMARKS.md
    rm -f "$TMPSEC" "$TMPSEC.md"
    log "wrote the latest results into BENCHMARKS.md"
fi
