#!/usr/bin/env bash
# Operation store benchmarks (issue 14), side by side in one run, each figure with the load average beside it:
#   (a) OTLP/HTTP ingestion spans/s with the store on vs off (same LoadGen, same seed, alternating on/off/on/off)
#   (b) sustained store append rate (the store's own TryAppend + writer, operations pregenerated)
#   (c) restart-to-restored: a data folder holding SMALL (1M) then BIG (10M) stored operations, process start -> /readyz 200
#   (d) filtered aggregates over the BIG file, p50 / p95
#   (e) disk bytes per operation (checkpointed file)
# Usage: bench/storebench.sh [ingest-seconds=20]   Env: SMALL=1000000 BIG=10000000 SKIP_BUILD=1 PORT=18280
#   PEROP_MAX (restarts also with the operation-by-operation restore up to this many operations; default SMALL)
#   QUERY_RUNS (runs per query in (d), default 40; 0 skips (d))
#   STEPS=ab (default): a = ingestion on/off; b = everything on files (append, disk, restarts, queries)
#   ROUNDS (default 2): on/off pairs in (a)
#   APPEND_ONLY=1: of b, only the append rate and disk bytes (STEPS=ab APPEND_ONLY=1: (a) and (b) in ~3 minutes)
#   PROFILE (default 1: after the BIG restart, StoreBench restore: the hour ring read raw vs from the hourly rollup)
#   STEPS containing s: StoreBench stagecost (the writer's CPU per trace: the store vs a memory stage loaded by row groups,
#     an fsync'd log, a CSV stage; STAGE_COUNT traces per variant, default 250000, at 14,000/s, 10 variants x 2 rounds: ~7 minutes)
# Bounded: every step runs under `timeout`; the whole script under STOREBENCH_TIMEOUT (default 40 min).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
if [ -z "${STOREBENCH_INNER:-}" ]; then
  STOREBENCH_INNER=1 exec timeout --signal=TERM "${STOREBENCH_TIMEOUT:-2400}" "$0" "$@"
fi
SECONDS_RUN=${1:-20}
WARMUP=${WARMUP:-5}
CONNECTIONS=${CONNECTIONS:-4}
BATCH=${BATCH:-100}
SMALL=${SMALL:-1000000}
BIG=${BIG:-10000000}
PORT=${PORT:-18280}
INGEST_KEY=storebench-ingestion-key-0123456789
VIEWER_KEY=storebench-viewer-key-0123456789ab
OUT=${OUT:-$ROOT/bench/results}
mkdir -p "$OUT"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
LOG="$OUT/$STAMP-storebench"
WORK=$(mktemp -d /tmp/conciergus-storebench.XXXXXX)
LOADGEN="$ROOT/bench/Conciergus.LoadGen/bin/Release/net10.0/Conciergus.LoadGen.dll"
STOREBENCH="$ROOT/bench/Conciergus.StoreBench/bin/Release/net10.0/Conciergus.StoreBench.dll"
DASHBOARD_DIR="$ROOT/src/Conciergus.Dashboard/bin/Release/net10.0"
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

load() { cut -d' ' -f1-3 /proc/loadavg; }
cpu_s() { awk -v t="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / t}' "/proc/$1/stat"; }
now_s() { date +%s.%N; }
wait_http() { # url seconds -> 0 when it answers 2xx
  for _ in $(seq 1 $(($2 * 20))); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.05; done
  return 1
}
summary=()
add() { summary+=("$1"); echo "$1"; }

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  for p in src/Conciergus.Dashboard bench/Conciergus.LoadGen bench/Conciergus.StoreBench; do
    dotnet build "$p" -c Release -v q -nologo 2>&1 | grep -E " error |Elapsed" || true
  done
fi

start_dashboard() { # data-dir store-enabled(true|false) log -> sets DASH_PID
  ( cd "$DASHBOARD_DIR" && ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="http://127.0.0.1:$PORT" \
    Logging__LogLevel__Default=Warning \
    Conciergus__DataDirectory="$1" Conciergus__Demo__Enabled=false \
    Conciergus__Operations__Enabled="$2" \
    Conciergus__Ingestion__Otlp__GrpcEndpoint= \
    Conciergus__Ingestion__ApiKeys__0="$INGEST_KEY" \
    Conciergus__Api__Keys__0__Key="$VIEWER_KEY" Conciergus__Api__Keys__0__Role=Viewer \
    Conciergus__Api__IngestionRequestsPerMinute=100000000 \
    Conciergus__Auth__InitialAdminPassword=storebench-admin-password \
    exec env Logging__LogLevel__Conciergus.Core.History=Information dotnet Conciergus.Dashboard.dll >"$3" 2>&1 ) &
  DASH_PID=$!; PIDS+=("$DASH_PID")
}
stop_dashboard() { kill "$DASH_PID" 2>/dev/null || true; wait "$DASH_PID" 2>/dev/null || true; }

echo "== machine: $(nproc) cores, $(dotnet --version), load $(load); results in $LOG-*"

# ---- (a) ingestion with the store on vs off, alternating so drift in the machine's load hits both ----
STEPS=${STEPS:-ab}
if [[ $STEPS == *a* ]]; then
  for round in $(seq 1 "${ROUNDS:-2}"); do
    for store in true false; do
      data="$WORK/ingest-$store-$round"; mkdir -p "$data"
      start_dashboard "$data" "$store" "$LOG-ingest-$store-$round.log"
      wait_http "http://127.0.0.1:$PORT/healthz" 90 || { echo "dashboard did not start"; exit 1; }
      cpu0=$(cpu_s "$DASH_PID"); l0=$(load)
      timeout $((SECONDS_RUN + WARMUP + 60)) dotnet "$LOADGEN" --label "store-$store" --url "http://127.0.0.1:$PORT" \
        --duration "$SECONDS_RUN" --connections "$CONNECTIONS" --batch-size "$BATCH" --rate 0 --warmup "$WARMUP" --seed 42 \
        --header "x-otlp-api-key=$INGEST_KEY" > "$LOG-ingest-$store-$round.txt" || true
      # The writer may lag behind ingestion: wait (up to 60 s) until its queue is empty, so the CPU counted for the run
      # includes the store's catch-up (a lagging writer would otherwise look cheaper).
      for _ in $(seq 1 120); do
        q=$(curl -fsS -H "X-Api-Key: $VIEWER_KEY" "http://127.0.0.1:$PORT/metrics" | awk '/^conciergus_operation_store_queue_length/ {print $2}')
        [ "${q:-0}" = 0 ] && break; sleep 0.5
      done
      cpu=$(python3 -c "print(round($(cpu_s "$DASH_PID") - $cpu0, 2))") # includes the idle polling (a few ms)
      sleep 1
      metrics=$(curl -fsS -H "X-Api-Key: $VIEWER_KEY" "http://127.0.0.1:$PORT/metrics" | grep -E "^conciergus_operation_store_(appended|dropped)" | tr '\n' ' ')
      stop_dashboard
      json=$(grep '^{' "$LOG-ingest-$store-$round.txt" || echo '{}')
      rate=$(echo "$json" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("acceptedSpansPerSecond", 0))')
      total=$(echo "$json" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("totalAcceptedSpans", 0))')
      echo "$store $round $rate $total $cpu" >> "$WORK/ingest.tsv"
      echo "ingest store=$store round=$round: $rate spans/s, $total spans, server CPU $cpu s (warm-up included), load $l0 -> $(load); $metrics"
    done
  done
  add "$(python3 - "$WORK/ingest.tsv" <<'EOF'
import sys
rows = [l.split() for l in open(sys.argv[1])]
def agg(flag):
    rs = [r for r in rows if r[0] == flag]
    rate = sum(float(r[2]) for r in rs) / len(rs)
    per_cpu = sum(float(r[3]) for r in rs) / max(sum(float(r[4]) for r in rs), 0.01)
    return rate, per_cpu
on, off = agg("true"), agg("false")
cost_rate = 100 * (1 - on[0] / off[0]) if off[0] else float("nan")
cost_cpu = 100 * (1 - on[1] / off[1]) if off[1] else float("nan")
met = "met" if cost_rate < 10 else "NOT met"
print(f"(a) ingestion: store on {on[0]:,.0f} spans/s ({on[1]:,.0f} spans per CPU-s), off {off[0]:,.0f} spans/s ({off[1]:,.0f} per CPU-s): "
      f"cost {cost_rate:.1f}% of throughput, {cost_cpu:.1f}% per CPU-second; goal < 10%: {met}")
EOF
) load $(load)"
fi

if [[ $STEPS == *b* ]]; then
# ---- (b) + (e) sustained append rate and disk bytes per operation, on the SMALL file ----
small="$WORK/small/operations.duckdb"
l0=$(load)
timeout 900 dotnet "$STOREBENCH" append --file "$small" --count "$SMALL" --days 30 --pregenerate | tee "$LOG-append.txt"
rate=$(grep '^RESULT append' "$LOG-append.txt" | sed -E 's/.* rate=([0-9]+).*/\1/')
cpuop=$(grep '^RESULT append' "$LOG-append.txt" | sed -E 's/.* cpuUsPerOp=([0-9.]+).*/\1/')
add "(b) sustained store append: $rate operations/s committed ($cpuop CPU-us per operation, pregenerated $SMALL); no goal of its own (it must keep up with ingestion: ~28k operations + 28k spans/s at 56k spans/s, else drops are counted): $([ "$rate" -gt 28000 ] && echo 'keeps up' || echo 'does NOT keep up'); load $l0 -> $(load)"
bpo=$(grep '^RESULT disk' "$LOG-append.txt" | sed -E 's/.* bytesPerOp=([0-9.]+).*/\1/')
add "(e) disk: $bpo bytes per operation (checkpointed file, $SMALL operations); load $(load)"
if [ "${APPEND_ONLY:-0}" != 1 ]; then # APPEND_ONLY=1: (b) and (e) only, no restarts, no 10M file

restart() { # label data-dir count [bulk(default)|perop]
  local l0 t0 t1 secs mode=${4:-bulk}
  l0=$(load)
  t0=$(now_s)
  if [ "$mode" = perop ]; then export Conciergus__History__BulkRestore=false; else export Conciergus__History__BulkRestore=true; fi
  start_dashboard "$2" true "$LOG-restart-$1-$mode.log"
  if wait_http "http://127.0.0.1:$PORT/readyz" 600; then
    t1=$(now_s); secs=$(python3 -c "print(round($t1 - $t0, 1))")
    local cpu; cpu=$(cpu_s "$DASH_PID") # the process's CPU seconds from start to restored (start-up and JIT included)
    local restored; restored=$(grep -o "History restored: [0-9]* operations.*" "$LOG-restart-$1-$mode.log" | head -1 || true)
    local ok; ok=$(python3 -c "print('met' if $secs < 15 else 'NOT met')")
    add "(c) restart-to-restored ($mode restore) with $3 stored operations: $secs s from process start to /readyz 200, $cpu CPU-s ($restored); goal < 15 s (for 10M): $ok; load $l0 -> $(load)"
  else
    add "(c) restart ($mode restore) with $3 stored operations: /readyz not 200 within 600 s: NOT met; load $l0 -> $(load)"
  fi
  stop_dashboard
}

# ---- (c) restart with SMALL ----
mkdir -p "$WORK/data-small" && cp "$small" "$WORK/data-small/operations.duckdb"
# Side by side: the bucket restore (default) and the operation-by-operation replay it replaced (PEROP_MAX: the largest
# file the replay is also run on, default SMALL; 0 = never).
restart small "$WORK/data-small" "$SMALL" bulk
if [ "$SMALL" -le "${PEROP_MAX:-$SMALL}" ]; then restart small "$WORK/data-small" "$SMALL" perop; fi

# ---- (c) + (d) BIG: the SMALL rows copied (BIG/SMALL - 1) more times with new ids, same 30 days ----
big="$WORK/big/operations.duckdb"
mkdir -p "$WORK/big" && cp "$small" "$big"
l0=$(load)
timeout 900 dotnet "$STOREBENCH" grow --file "$big" --count "$BIG" | tee "$LOG-grow.txt"
add "(e) disk: $(grep '^RESULT disk' "$LOG-grow.txt" | sed -E 's/RESULT disk //') (BIG file, checkpointed); load $l0 -> $(load)"
l0=$(load)
if [ "${QUERY_RUNS:-40}" -gt 0 ]; then
timeout 900 dotnet "$STOREBENCH" query --file "$big" --runs "${QUERY_RUNS:-40}" | tee "$LOG-query.txt"
worst=$(grep '^RESULT queries' "$LOG-query.txt" | sed -E 's/.* worstP95=([0-9.]+).*/\1/')
add "(d) filtered aggregates over $BIG operations, worst p95 of 4 queries: $worst ms; goal < 200 ms: $(python3 -c "print('met' if $worst < 200 else 'NOT met')"); load $l0 -> $(load)"
fi
mkdir -p "$WORK/data-big" && mv "$big" "$WORK/data-big/operations.duckdb"
restart big "$WORK/data-big" "$BIG" bulk
if [ "$BIG" -le "${PEROP_MAX:-$SMALL}" ]; then restart big "$WORK/data-big" "$BIG" perop; fi
# The restore's reads alone over the BIG file: the hour ring from raw rows vs from the hourly rollup, side by side.
if [ "${PROFILE:-1}" = 1 ]; then
  l0=$(load)
  timeout 900 dotnet "$STOREBENCH" restore --file "$WORK/data-big/operations.duckdb" | tee "$LOG-restoreprofile.txt"
  add "(c) restore reads over $BIG, hour ring: $(grep 'name=hourring' "$LOG-restoreprofile.txt" | sed -E 's/RESULT restoreread name=hourring //' | tr '\n' ';'); load $l0 -> $(load)"
fi
fi # APPEND_ONLY
fi

if [[ $STEPS == *s* ]]; then
  l0=$(load)
  timeout 1200 dotnet "$STOREBENCH" stagecost --dir "$WORK" --count "${STAGE_COUNT:-250000}" | tee "$LOG-stagecost.txt"
  add "(a) writer CPU-us per trace (op + span row, minus the harness floor): $(grep '^RESULT stagecost summary' "$LOG-stagecost.txt" | sed -E 's/.*variant=([^ ]+) .*minusPace=([0-9.-]+).*/\1 \2/' | tr '\n' ';'); load $l0 -> $(load)"
fi

echo
echo "== summary ($STAMP, $(nproc) cores)"
printf '%s\n' "${summary[@]}" | tee "$LOG-summary.txt"
