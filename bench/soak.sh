#!/usr/bin/env bash
# Soak: the Conciergus dashboard (Release, Production settings: trace store, operation store and log store on) under a
# steady OTLP load; VmRSS, managed heap, the operation store's queue, drops and disk sampled every INTERVAL seconds into
# a CSV, then a summary that ends with "soak: met|NOT met" (memory flat: the mean RSS and managed heap of the last third
# of the samples within 10% of the middle third's, no store drops, every request accepted, the target rate held).
# Usage: bench/soak.sh [minutes=30] [spans-per-second=3000|half] [interval-s=30]
#   half: first measures the maximum (LoadGen --rate 0, MAX_SECONDS=20 after a 5 s warm-up) on the same process, then
#         soaks at half of it.
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
[ -z "${SOAK_BIN:-}" ] || DASHBOARD_DIR=$SOAK_BIN
. bench/lib.sh
CSV="$OUT/soak-$STAMP.csv"

build_release src/Conciergus.Dashboard bench/Conciergus.LoadGen

DATA=$(mktemp -d /tmp/conciergus-soak.XXXXXX)
start_dashboard "$DASHBOARD_DIR" "$PORT" "$DATA" "$OUT/soak-$STAMP.log" Conciergus__Ingestion__Otlp__GrpcEndpoint="${SOAK_GRPC_ENDPOINT:-}"
PID=$DASHBOARD_PID
wait_http "http://127.0.0.1:$PORT/healthz" 60

live_metric() { # name [label-fragment]: read now from /metrics
  local label=${2:-}
  curl -fsS -m 10 -H "X-Api-Key: $VIEWER_KEY" "http://127.0.0.1:$PORT/metrics" 2>/dev/null | grep -E "^$1\{?.*$label" | awk '{print $2}' | head -1
}
echo "elapsed_s,rss_kb,heap_bytes,otlp_accepted_spans,operations_recorded,store_queue,store_dropped,store_disk_bytes,loadavg1" > "$CSV"
sample() {
  local t=$1
  local dropped
  dropped=$(curl -fsS -m 10 -H "X-Api-Key: $VIEWER_KEY" "http://127.0.0.1:$PORT/metrics" 2>/dev/null \
    | awk '/^conciergus_operation_store_dropped_total/ {s += $2} END {print s + 0}')
  echo "$t,$(rss_kb "$PID"),$(live_metric dotnet_gc_heap_size_bytes),$(live_metric conciergus_otlp_spans_total accepted),$(live_metric conciergus_ingestion_operations_total recorded),$(live_metric conciergus_operation_store_queue_length),$dropped,$(live_metric conciergus_operation_store_disk_bytes),$(cut -d' ' -f1 /proc/loadavg)" >> "$CSV"
}
if [ "$RATE" = half ]; then
  MAX_SECONDS=${MAX_SECONDS:-20}
  dotnet "$LOADGEN" --label soak-max --url "http://127.0.0.1:$PORT" --header "x-otlp-api-key=$INGEST_KEY" \
    --rate 0 --connections 4 --batch-size "$BATCH" --warmup 5 --duration "$MAX_SECONDS" > "$OUT/soak-$STAMP-max.txt" 2>&1
  MAX=$(awk '/accepted spans\/s/ {print $4}' "$OUT/soak-$STAMP-max.txt")
  RATE=$(python3 -c "print(int(float('$MAX') / 2))")
  echo "== maximum on this process: $MAX spans/s over ${MAX_SECONDS}s (4 senders); soaking at half: $RATE spans/s"
  # let the store's writer drain what the maximum run queued before the soak's first sample
  for _ in $(seq 1 120); do [ "$(live_metric conciergus_operation_store_queue_length)" = 0 ] && break; sleep 1; done
fi
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
python3 - "$CSV" "$RATE" "$OUT/soak-$STAMP-loadgen.txt" <<'PY'
import csv, re, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["rss_kb"]]
rate = float(sys.argv[2])
gen = open(sys.argv[3]).read()
mb = lambda r: int(r["rss_kb"]) / 1024
loaded = [r for r in rows if int(r["elapsed_s"]) > 0]
print(f"samples {len(rows)}; RSS MB: start {mb(rows[0]):.0f}, min {min(map(mb, loaded)):.0f}, max {max(map(mb, loaded)):.0f}, end {mb(rows[-1]):.0f}")
if len(loaded) >= 6:
    third = len(loaded) // 3
    a = sum(map(mb, loaded[third:2*third])) / third
    b = sum(map(mb, loaded[-third:])) / third
    print(f"mean RSS middle third {a:.0f} MB, last third {b:.0f} MB, change {b - a:+.0f} MB")
    hb = lambda r: float(r["heap_bytes"] or 0) / 1048576
    ha = sum(map(hb, loaded[third:2*third])) / third
    hz = sum(map(hb, loaded[-third:])) / third
    print(f"mean managed heap middle third {ha:.0f} MB, last third {hz:.0f} MB, change {hz - ha:+.0f} MB")
    queue = max(int(float(r["store_queue"] or 0)) for r in loaded)
    # counted from the soak's first sample: what the maximum run of 'half' dropped is not the soak's
    dropped = int(float(loaded[-1]["store_dropped"] or 0)) - int(float(rows[0]["store_dropped"] or 0))
    disk = float(loaded[-1]["store_disk_bytes"] or 0) / 1048576
    m = re.search(r"accepted spans/s : ([0-9.]+)\s+\(accepted (\d+) of (\d+) sent, rejected (\d+)\)", gen)
    got, acc, sent = (float(m.group(1)), int(m.group(2)), int(m.group(3))) if m else (0.0, 0, 1)
    print(f"store: max queue {queue}, dropped {dropped}, disk {disk:.0f} MB; load: {got:.0f} spans/s accepted of {rate:.0f} targeted, {acc} of {sent} spans accepted")
    checks = {
        "RSS flat (last third within 10% of the middle third)": b <= a * 1.10,
        "managed heap flat (same)": hz <= ha * 1.10,
        "no store drops": dropped == 0,
        "every span accepted": acc == sent,
        "rate held (>= 95% of target)": got >= 0.95 * rate,
    }
    for k, v in checks.items():
        print(f"  {'ok ' if v else 'NO '} {k}")
    print("soak: " + ("met" if all(checks.values()) else "NOT met"))
else:
    print("soak: NOT met (too few samples)")
PY
