#!/usr/bin/env bash
# The Dask driver against `sectorstats run` on one generated set, on this machine: the
# driver's time over the runs' around it (median of ROUNDS, default 3), every task's wall
# time and peak RSS, and whether the tables are byte-identical.
# Not run by make test; for benchmark runs (use a release binary: BIN=.build/release/sectorstats).
#
#   scale/bench_driver.sh [ORGS FUNDING FILES WORKERS BUCKETS RANGE_BYTES]
#   defaults:               900000 10000000 10 2 8 0   (RANGE_BYTES 0: files read whole)
#   env: BIN (default .build/release/sectorstats, else .build/debug), PYTHON (python3),
#        WORK (.bench/driver: the generated set is kept there and reused)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

ORGS=${1:-900000} FUNDING=${2:-10000000} FILES=${3:-10} WORKERS=${4:-2} BUCKETS=${5:-8} RANGE=${6:-0}
PYTHON=${PYTHON:-python3}
BIN=${BIN:-$( [ -x .build/release/sectorstats ] && echo .build/release/sectorstats || echo .build/debug/sectorstats )}
BIN=$(realpath "$BIN")
WORK=$(realpath -m "${WORK:-.bench/driver}")
DATA="$WORK/data-$ORGS-$FUNDING-$FILES"
mkdir -p "$WORK"

if [ ! -f "$DATA/expected.json" ]; then
    "$BIN" generate --orgs "$ORGS" --funding "$FUNDING" --files "$FILES" --out "$DATA" >/dev/null 2>&1
fi
cat > "$WORK/bench.yml" <<EOF
version: 1
name: bench
as_of: 2021-12-31
sources:
  registrations: [ "$DATA/registrations/*" ]
  funding: [ "$DATA/funding/*" ]
EOF

# Every task's binary under /usr/bin/time: its wall time and peak RSS.
cat > "$WORK/timed-sectorstats" <<EOF
#!/bin/sh
case "\$*" in *--bucket*) kind=merge-bucket ;; *--state*) kind=combine ;; *) kind="\$1" ;; esac
exec /usr/bin/time -a -o "$WORK/tasks.log" -f "%e s %M KB \$kind" "$BIN" "\$@"
EOF
chmod +x "$WORK/timed-sectorstats"
rm -rf "$WORK/run" "$WORK/dask" "$WORK/tasks.log"

# The VM's speed drifts by tens of percent within minutes: each driver run is sandwiched
# between two single-machine runs and compared with their mean (run, driver, run, driver,
# ..., run), and the median of the ROUNDS ratios is the overhead.
ROUNDS=${ROUNDS:-3}
range_args=()
[ "$RANGE" -gt 0 ] && range_args=(--range-bytes "$RANGE")
run_once() {
    rm -rf "$WORK/run"
    /usr/bin/time -o "$WORK/run.time" -f "%e s %M KB" "$BIN" run "$WORK/bench.yml" --out "$WORK/run" --threads "$WORKERS" --quiet
    tail -n 1 "$WORK/run.time" | cut -d' ' -f1
}
driver_once() {
    rm -rf "$WORK/dask" "$WORK/tasks.log"
    /usr/bin/time -o "$WORK/dask.time" -f "%e s" "$PYTHON" scale/dask_run.py "$WORK/bench.yml" --out "$WORK/dask" \
        --local-workers "$WORKERS" --buckets "$BUCKETS" --binary "$WORK/timed-sectorstats" "${range_args[@]}" \
        --timings "$WORK/timings.json" --quiet
    tail -n 1 "$WORK/dask.time" | cut -d' ' -f1
}
before=$(run_once)
ratios=()
same=yes
for i in $(seq 1 "$ROUNDS"); do
    d=$(driver_once)
    for f in "$WORK"/run/latest/*.csv.gz; do cmp -s "$f" "$WORK/dask/latest/$(basename "$f")" || same=no; done
    after=$(run_once)
    ratio=$(awk -v d="$d" -v a="$before" -v b="$after" 'BEGIN { printf "%.3f", d / ((a + b) / 2) }')
    ratios+=("$ratio")
    echo "round $i: run $before s, driver $d s, run $after s: driver / mean of the runs = $ratio"
    before=$after
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')

echo "set: $ORGS organizations, $FUNDING funding rows in $FILES files; $WORKERS workers, $BUCKETS buckets, range bytes $RANGE; $BIN"
echo "sectorstats run --threads $WORKERS (last): $(cat "$WORK/run.time")"
echo "dask_run.py with LocalCluster start (last): $(cat "$WORK/dask.time")"
echo "driver overhead, median of $ROUNDS sandwiched rounds: $(awk -v m="$median" 'BEGIN { printf "%+.1f%%", (m - 1) * 100 }') (ratios ${ratios[*]})"
echo "tables byte-identical (every round): $same"
echo "per task kind (last round): count, min / max / sum of wall seconds, max peak RSS:"
awk '{ k = $5; n[k]++; s[k] += $1; if (!(k in mn) || $1 < mn[k]) mn[k] = $1; if ($1 > mx[k]) mx[k] = $1; if ($3 > r[k]) r[k] = $3 }
     END { for (k in n) printf "  %-13s %4d  %7.2f / %7.2f / %8.2f s  %8d KB\n", k, n[k], mn[k], mx[k], s[k], r[k] }' "$WORK/tasks.log"
[ "$same" = yes ]
