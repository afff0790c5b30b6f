#!/usr/bin/env bash
# Cardinality attack (issue 20 item 3): OTLP chat spans whose application, environment, provider and model are all new
# (LoadGen --unique-values), against the dashboard (Release, Production settings). With a third argument the
# per-dimension cap (Conciergus:TimeSeries:MaxSeriesPerDimension, default 200) is lifted, so the time-series memory
# budget is what bounds the cache (the cap also bounds the /metrics AI counters' label sets: lifted, /metrics grows with
# every model, which the heap figure then includes). Prints the cache's estimate against its budget, the series
# admitted and refused, the process RSS and managed heap before and after, and one line "cardinality: met|NOT met".
# Usage: bench/cardinality.sh [operations=30000] [budget-MB=128] [max-series-per-dimension=default 200]
# Env: SKIP_BUILD=1, PORT=18480, SETTLE=75 (seconds after the attack, so the once-a-minute sweep has rolled the
#      attack's seconds up into the minute and hour rings before the final reading).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OPS=${1:-30000}
BUDGET_MB=${2:-128}
MAX_SERIES=${3:-200}
PORT=${PORT:-18480}
SETTLE=${SETTLE:-75}
INGEST_KEY=cardinality-ingestion-key-0123456
VIEWER_KEY=cardinality-viewer-key-0123456789
. bench/lib.sh

build_release src/Conciergus.Dashboard bench/Conciergus.LoadGen

DATA=$(mktemp -d /tmp/conciergus-cardinality.XXXXXX)
start_dashboard "$DASHBOARD_DIR" "$PORT" "$DATA" "$OUT/cardinality-$STAMP.log" \
  Conciergus__TimeSeries__MemoryBudgetMB="$BUDGET_MB" Conciergus__TimeSeries__MaxSeriesPerDimension="$MAX_SERIES"
PID=$DASHBOARD_PID
wait_http "http://127.0.0.1:$PORT/healthz" 60

metrics() { curl -fsS -m 20 -H "X-Api-Key: $VIEWER_KEY" "http://127.0.0.1:$PORT/metrics"; }
sleep 3
metrics > "$OUT/cardinality-$STAMP-before.txt"
RSS0=$(rss_mb "$PID")
echo "== cardinality attack: $OPS operations with unique application/environment/provider/model, budget $BUDGET_MB MB, cap $MAX_SERIES per dimension; load $(cut -d' ' -f1-3 /proc/loadavg)"
# 50 traces = 50 chat spans (operations) + 50 request spans per export request.
REQUESTS=$(( (OPS + 49) / 50 ))
dotnet "$LOADGEN" --label cardinality --url "http://127.0.0.1:$PORT" --header "x-otlp-api-key=$INGEST_KEY" \
  --unique-values --batch-size 100 --connections 2 --rate 0 --warmup 0 --duration 300 --requests "$REQUESTS" --error-rate 0 \
  > "$OUT/cardinality-$STAMP-loadgen.txt" 2>&1 || true
grep -E "accepted spans|requests  " "$OUT/cardinality-$STAMP-loadgen.txt" || true
RSS1=$(rss_mb "$PID")
metrics > "$OUT/cardinality-$STAMP-after.txt"
echo "   settling ${SETTLE}s (the sweep rolls the attack's seconds up into the minute and hour rings)"
sleep "$SETTLE"
metrics > "$OUT/cardinality-$STAMP-settled.txt"
RSS2=$(rss_mb "$PID")
kill "$PID"; wait "$PID" 2>/dev/null || true
rm -rf "$DATA"

A="$OUT/cardinality-$STAMP-settled.txt"; B="$OUT/cardinality-$STAMP-before.txt"
recorded=$(metric 'conciergus_ingestion_operations_total{result="recorded"}' "$A")
series=$(metric conciergus_timeseries_series "$A")
estimate=$(metric conciergus_timeseries_estimated_bytes "$A")
budget=$(metric conciergus_timeseries_memory_budget_bytes "$A")
refused=$(metric conciergus_timeseries_budget_refused_total "$A")
overflow=$(metric conciergus_timeseries_overflow_total "$A")
heap0=$(metric dotnet_gc_heap_size_bytes "$B" || echo 0)
heap2=$(metric dotnet_gc_heap_size_bytes "$A" || echo 0)
python3 - "$OPS" "${recorded:-0}" "${series:-0}" "${estimate:-0}" "${budget:-1}" "${refused:-0}" "${overflow:-0}" "$RSS0" "$RSS1" "$RSS2" "${heap0:-0}" "${heap2:-0}" <<'PY'
import sys
ops, recorded, series, estimate, budget, refused, overflow = (float(x) for x in sys.argv[1:8])
rss0, rss1, rss2, heap0, heap2 = (float(x) for x in sys.argv[8:13])
mb = 1024 * 1024
print(f"operations recorded {recorded:.0f} of {ops:.0f}; series {series:.0f}; refused for the budget {refused:.0f} operations (overflow total {overflow:.0f})")
print(f"time-series estimate {estimate / mb:.1f} MB of a {budget / mb:.0f} MB budget ({estimate / budget:.1%}); "
      f"RSS {rss0:.0f} -> {rss1:.0f} MB after the attack -> {rss2:.0f} MB settled; managed heap {heap0 / mb:.0f} -> {heap2 / mb:.0f} MB")
# Admission stops once the estimate reaches the budget; it may pass it by what admitted series add later (sketches).
met = recorded >= ops and estimate <= budget * 1.05
print(f"cardinality: {'met' if met else 'NOT met'} (estimate <= budget + 5% and every operation recorded)")
PY
