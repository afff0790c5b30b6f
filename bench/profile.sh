#!/usr/bin/env bash
# CPU profile of OTLP/HTTP ingestion (issue 20 item 1): the dashboard (Release, Production settings, trace store and
# operation store on, as shipped) under the load generator at full speed, sampled by dotnet-trace (cpu-sampling) for
# TRACE_SECONDS in the middle of the run; prints the top methods by exclusive and inclusive time.
# Usage: bench/profile.sh [seconds-of-load=45] [connections=4]   Env: SKIP_BUILD=1, PORT=18580, TRACE_SECONDS=20, TOP=25
# Needs dotnet-trace (`dotnet tool install -g dotnet-trace`, ~/.dotnet/tools on PATH).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PATH="$PATH:$HOME/.dotnet/tools"
LOAD_SECONDS=${1:-45}
CONNECTIONS=${2:-4}
PORT=${PORT:-18580}
TRACE_SECONDS=${TRACE_SECONDS:-20}
TOP=${TOP:-25}
INGEST_KEY=profile-ingestion-key-0123456789a
. bench/lib.sh
build_release src/Conciergus.Dashboard bench/Conciergus.LoadGen
DATA=$(mktemp -d /tmp/conciergus-profile.XXXXXX)
start_dashboard "$DASHBOARD_DIR" "$PORT" "$DATA" "$OUT/profile-$STAMP.log"
PID=$DASHBOARD_PID
wait_http "http://127.0.0.1:$PORT/healthz" 60
echo "== profile: load $(cut -d' ' -f1-3 /proc/loadavg)"
dotnet "$LOADGEN" --label profile --url "http://127.0.0.1:$PORT" --header "x-otlp-api-key=$INGEST_KEY" \
  --connections "$CONNECTIONS" --batch-size 100 --rate 0 --warmup 5 --duration "$LOAD_SECONDS" > "$OUT/profile-$STAMP-loadgen.txt" 2>&1 &
GEN=$!; PIDS+=("$GEN")
sleep 12
dotnet-trace collect -p "$PID" --profile dotnet-sampled-thread-time --duration "00:00:00:$(printf %02d "$TRACE_SECONDS")" -o "$OUT/profile-$STAMP.nettrace" > "$OUT/profile-$STAMP-trace.log" 2>&1 || { echo "dotnet-trace failed:"; tail -5 "$OUT/profile-$STAMP-trace.log"; }
wait "$GEN" || true
grep -E "accepted spans/s|latency" "$OUT/profile-$STAMP-loadgen.txt" || true
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== top $TOP exclusive"
dotnet-trace report "$OUT/profile-$STAMP.nettrace" topN -n "$TOP" 2>&1 | tail -n +1 | cut -c1-200
echo "== top $TOP inclusive"
dotnet-trace report "$OUT/profile-$STAMP.nettrace" topN -n "$TOP" --inclusive 2>&1 | cut -c1-200
kill "$PID"; wait "$PID" 2>/dev/null || true
rm -rf "$DATA"
