#!/usr/bin/env bash
# Soak: the Conciergus dashboard (Release, Production settings) under a steady OTLP load; VmRSS sampled every
# INTERVAL seconds into a CSV, then a summary. Usage: bench/soak.sh [minutes=30] [spans-per-second=3000] [interval-s=30]
# Env: SOAK_GRPC_ENDPOINT (default empty: OTLP/gRPC off, so the soak never takes 127.0.0.1:4317), SOAK_BIN=<dir with Conciergus.Dashboard.dll> (default: the Release build), SKIP_BUILD=1, CONNECTIONS=2, BATCH=100.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
MINUTES=${1:-30}
RATE=${2:-3000}
INTERVAL=${3:-30}
CONNECTIONS=${CONNECTIONS:-2}
BATCH=${BATCH:-100}
PORT=${PORT:-18280}
INGEST_KEY=soak-ingestion-key-0123456789abc
VIEWER_KEY=soak-viewer-key-0123456789abcdef
OUT=${OUT:-$ROOT/bench/results}
mkdir -p "$OUT"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
CSV="$OUT/soak-$STAMP.csv"
LOADGEN=${LOADGEN:-$ROOT/bench/Conciergus.LoadGen/bin/Release/net10.0/Conciergus.LoadGen.dll}
BIN=${SOAK_BIN:-$ROOT/src/Conciergus.Dashboard/bin/Release/net10.0}
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  dotnet build src/Conciergus.Dashboard -c Release -v q -nologo 2>&1 | grep -E " error |Elapsed" || true
  dotnet build bench/Conciergus.LoadGen -c Release -v q -nologo 2>&1 | grep -E " error |Elapsed" || true
fi

DATA=$(mktemp -d /tmp/conciergus-soak.XXXXXX)
( cd "$BIN" && ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="http://127.0.0.1:$PORT" \
  Logging__LogLevel__Default=Warning \
  Conciergus__DataDirectory="$DATA" Conciergus__Demo__Enabled=false \
  Conciergus__Ingestion__ApiKeys__0="$INGEST_KEY" \
  Conciergus__Api__Keys__0__Key="$VIEWER_KEY" Conciergus__Api__Keys__0__Role=Viewer \
  Conciergus__Api__IngestionRequestsPerMinute=100000000 \
  Conciergus__Ingestion__Otlp__GrpcEndpoint="${SOAK_GRPC_ENDPOINT:-}" \
  Conciergus__Auth__InitialAdminPassword=soak-admin-password \
  exec dotnet Conciergus.Dashboard.dll >"$OUT/soak-$STAMP.log" 2>&1 ) &
PID=$!; PIDS+=("$PID")
for _ in $(seq 1 600); do curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null && break; sleep 0.1; done

metric() { # name label-fragment
  curl -fsS -m 10 -H "X-Api-Key: $VIEWER_KEY" "http://127.0.0.1:$PORT/metrics" 2>/dev/null | grep -E "^$1\{?.*$2" | awk '{print $2}' | head -1
}
echo "elapsed_s,rss_kb,otlp_accepted_spans,operations_recorded,loadavg1" > "$CSV"
sample() {
  local t=$1
  echo "$t,$(awk '/VmRSS/ {print $2}' /proc/$PID/status),$(metric conciergus_otlp_spans_total accepted),$(metric conciergus_ingestion_operations_total recorded),$(cut -d' ' -f1 /proc/loadavg)" >> "$CSV"
}
echo "== soak: $MINUTES min at $RATE spans/s ($CONNECTIONS connections, $BATCH spans/request), RSS every ${INTERVAL}s -> $CSV"
sample 0
dotnet "$LOADGEN" --label soak --url "http://127.0.0.1:$PORT" --header "x-otlp-api-key=$INGEST_KEY" \
  --rate "$RATE" --connections "$CONNECTIONS" --batch-size "$BATCH" --warmup 0 --duration $((MINUTES * 60)) \
  > "$OUT/soak-$STAMP-loadgen.txt" 2>&1 &
GEN=$!; PIDS+=("$GEN")
START=$(date +%s)
while kill -0 "$GEN" 2>/dev/null; do
  sleep "$INTERVAL"
  if ! kill -0 "$PID" 2>/dev/null; then
    echo "!! the dashboard (pid $PID) exited after $(( $(date +%s) - START )) s; stopping the soak (see $OUT/soak-$STAMP.log)"
    kill "$GEN" 2>/dev/null || true
    break
  fi
  sample $(( $(date +%s) - START ))
done
wait "$GEN" || true
sleep 2; sample $(( $(date +%s) - START ))
kill "$PID"; wait "$PID" 2>/dev/null || true
rm -rf "$DATA"

cat "$OUT/soak-$STAMP-loadgen.txt" | grep -v '^{'
python3 - "$CSV" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["rss_kb"]]
mb = lambda r: int(r["rss_kb"]) / 1024
loaded = [r for r in rows if int(r["elapsed_s"]) > 0]
print(f"samples {len(rows)}; RSS MB: start {mb(rows[0]):.0f}, min {min(map(mb, loaded)):.0f}, max {max(map(mb, loaded)):.0f}, end {mb(rows[-1]):.0f}")
if len(loaded) >= 6:
    third = len(loaded) // 3
    a = sum(map(mb, loaded[third:2*third])) / third
    b = sum(map(mb, loaded[-third:])) / third
    print(f"mean RSS middle third {a:.0f} MB, last third {b:.0f} MB, change {b - a:+.0f} MB")
PY
