#!/usr/bin/env bash
# Side-by-side OTLP/HTTP ingestion load test on loopback: Conciergus dashboard, then the .NET Aspire dashboard
# (Aspire.Dashboard.Sdk.linux-x64 13.6.5), the same load generator with the same seed, one after the other.
# Usage: bench/loadtest.sh [seconds] [connections] [batch-spans] [rate]   (defaults: 30 4 100 0 = as fast as possible)
# Env: PROTOCOL=grpc sends OTLP/gRPC (TraceService/Export) to both dashboards' gRPC endpoints instead of OTLP/HTTP;
#      HUB_CLIENTS=50 also measures the live path (SignalR) on Conciergus in a third run; SKIP_BUILD=1; SKIP_ASPIRE=1;
#      MAX_CONCURRENT=n sets Conciergus:Ingestion:MaxConcurrentRequests (default 64) to show back-pressure (429s).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SECONDS_RUN=${1:-30}
CONNECTIONS=${2:-4}
BATCH=${3:-100}
RATE=${4:-0}
HUB_CLIENTS=${HUB_CLIENTS:-0}
PROTOCOL=${PROTOCOL:-http}
WARMUP=${WARMUP:-10}  # seconds sent before measuring, on both targets (JIT tiering, first allocations)
OUR_PORT=${OUR_PORT:-18180}
OUR_GRPC_PORT=${OUR_GRPC_PORT:-18181}
ASPIRE_UI_PORT=${ASPIRE_UI_PORT:-18188}
ASPIRE_OTLP_PORT=${ASPIRE_OTLP_PORT:-18190}
ASPIRE_GRPC_PORT=${ASPIRE_GRPC_PORT:-18189}
ASPIRE_MAX_TRACES=${ASPIRE_MAX_TRACES:-2000000}
INGEST_KEY=loadtest-ingestion-key-0123456789
VIEWER_KEY=loadtest-viewer-key-0123456789ab
. bench/lib.sh

build_release src/Conciergus.Dashboard bench/Conciergus.LoadGen
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  dotnet restore bench/AspireDashboard/AspireDashboard.proj -v q >/dev/null
fi
[ "${SKIP_ASPIRE:-0}" = 1 ] || ASPIRE_DIR=$(ls -d ~/.nuget/packages/aspire.dashboard.sdk.linux-x64/13.6.5/tools)

loadgen() { # label url extra-args...
  local label=$1 url=$2; shift 2
  dotnet "$LOADGEN" --protocol "$PROTOCOL" --label "$label" --url "$url" --duration "$SECONDS_RUN" --connections "$CONNECTIONS" \
    --batch-size "$BATCH" --rate "$RATE" --warmup "$WARMUP" --seed 42 "$@" | tee "$OUT/$STAMP-$label.txt" || true  # exit 1 = some requests failed (reported)
}

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(dotnet --version), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== run: OTLP/$PROTOCOL, ${SECONDS_RUN}s measured after ${WARMUP}s warm-up, $CONNECTIONS connections, $BATCH spans/request, rate $RATE"

# ---- Conciergus (Release, Production settings, temp data directory) ----
# gRPC is off for an HTTP run (its default 127.0.0.1:4317 may be taken on a shared machine), on a free port for a gRPC run.
if [ "$PROTOCOL" = grpc ]; then OUR_GRPC="http://127.0.0.1:$OUR_GRPC_PORT"; OUR_URL=$OUR_GRPC; else OUR_GRPC=""; OUR_URL="http://127.0.0.1:$OUR_PORT"; fi
DATA=$(mktemp -d /tmp/conciergus-loadtest.XXXXXX)
start_dashboard "$DASHBOARD_DIR" "$OUR_PORT" "$DATA" "$OUT/$STAMP-conciergus.log" \
  Conciergus__Ingestion__MaxConcurrentRequests="${MAX_CONCURRENT:-64}" Conciergus__Ingestion__Otlp__GrpcEndpoint="$OUR_GRPC"
OUR_PID=$DASHBOARD_PID
wait_http "http://127.0.0.1:$OUR_PORT/healthz" 60
OUR_CPU0=$(cpu_s "$OUR_PID")
loadgen conciergus "$OUR_URL" --header "x-otlp-api-key=$INGEST_KEY"
OUR_CPU=$(python3 -c "print(round($(cpu_s "$OUR_PID") - $OUR_CPU0, 2))")
OUR_RSS=$(rss_kb "$OUR_PID")
curl -fsS "http://127.0.0.1:$OUR_PORT/healthz" > "$OUT/$STAMP-conciergus-healthz.json" || true
curl -fsS -H "X-Api-Key: $VIEWER_KEY" "http://127.0.0.1:$OUR_PORT/metrics" | grep -E "^conciergus_(otlp|ingestion)" > "$OUT/$STAMP-conciergus-metrics.txt" || true
# No silent loss: the server's own count of accepted spans must equal what the load generator saw accepted.
server_accepted=$(grep 'conciergus_otlp_spans_total{result="accepted"}' "$OUT/$STAMP-conciergus-metrics.txt" | awk '{print $2}')
client_accepted=$(grep '^{' "$OUT/$STAMP-conciergus.txt" | python3 -c 'import json,sys; print(json.load(sys.stdin)["totalAcceptedSpans"])')
echo "conciergus check: server counted $server_accepted accepted spans, load generator saw $client_accepted accepted; 429s: $(grep throttled "$OUT/$STAMP-conciergus-metrics.txt" | awk '{printf "%s ", $0}')"
if [ "$HUB_CLIENTS" -gt 0 ] && [ "$PROTOCOL" = http ]; then
  loadgen conciergus-hub "http://127.0.0.1:$OUR_PORT" --header "x-otlp-api-key=$INGEST_KEY" \
    --hub-clients "$HUB_CLIENTS" --hub-key "$VIEWER_KEY"
fi
kill "$OUR_PID"; wait "$OUR_PID" 2>/dev/null || true
rm -rf "$DATA"

# ---- .NET Aspire dashboard 13.6.5 (standalone, unsecured, loopback) ----
if [ "${SKIP_ASPIRE:-0}" != 1 ]; then
  # Defaults: MaxTraceCount 10,000 traces (oldest evicted silently), MaxLogCount 10,000, MaxMetricsCount 50,000.
  # Raised so a whole run fits and the count check below can see every trace.
  ( cd "$ASPIRE_DIR" && ASPNETCORE_URLS="http://127.0.0.1:$ASPIRE_UI_PORT" \
    DASHBOARD__OTLP__HTTPENDPOINTURL="http://127.0.0.1:$ASPIRE_OTLP_PORT" \
    DASHBOARD__OTLP__GRPCENDPOINTURL="http://127.0.0.1:$ASPIRE_GRPC_PORT" \
    DASHBOARD__FRONTEND__AUTHMODE=Unsecured DASHBOARD__OTLP__AUTHMODE=Unsecured DASHBOARD__API__AUTHMODE=Unsecured \
    DASHBOARD__TELEMETRYLIMITS__MAXTRACECOUNT="$ASPIRE_MAX_TRACES" \
    Logging__LogLevel__Default=Warning \
    exec ./Aspire.Dashboard >"$OUT/$STAMP-aspire.log" 2>&1 ) &
  ASPIRE_PID=$!; PIDS+=("$ASPIRE_PID")
  wait_http "http://127.0.0.1:$ASPIRE_UI_PORT/" 60
  ASPIRE_CPU0=$(cpu_s "$ASPIRE_PID")
  if [ "$PROTOCOL" = grpc ]; then loadgen aspire "http://127.0.0.1:$ASPIRE_GRPC_PORT"; else loadgen aspire "http://127.0.0.1:$ASPIRE_OTLP_PORT"; fi
  ASPIRE_CPU=$(python3 -c "print(round($(cpu_s "$ASPIRE_PID") - $ASPIRE_CPU0, 2))")
  ASPIRE_RSS=$(rss_kb "$ASPIRE_PID")
  sleep 2
  # How many traces Aspire holds: its telemetry API (may need Dashboard:Api enabled; a failure is printed, not hidden).
  curl -sS -m 60 "http://127.0.0.1:$ASPIRE_UI_PORT/api/telemetry/traces?limit=1" -o "$OUT/$STAMP-aspire-traces.json" -w "aspire telemetry API: HTTP %{http_code}\n" || true
  aspire_traces=$(python3 -c "import json; print(json.load(open('$OUT/$STAMP-aspire-traces.json'))['totalCount'])" 2>/dev/null || echo "?")
  aspire_accepted=$(grep '^{' "$OUT/$STAMP-aspire.txt" | python3 -c 'import json,sys; print(json.load(sys.stdin)["totalAcceptedSpans"])')
  echo "aspire check: it holds $aspire_traces traces (x2 spans = $([ "$aspire_traces" != "?" ] && echo $((aspire_traces * 2)) || echo '?') spans), load generator saw $aspire_accepted spans accepted"
  kill "$ASPIRE_PID"; wait "$ASPIRE_PID" 2>/dev/null || true
fi

echo
echo "== summary ($STAMP)"
ours=$(grep '^{' "$OUT/$STAMP-conciergus.txt" | python3 -c 'import json,sys; print(json.load(sys.stdin)["acceptedSpansPerSecond"])')
ours_total=$(grep '^{' "$OUT/$STAMP-conciergus.txt" | python3 -c 'import json,sys; print(json.load(sys.stdin)["totalAcceptedSpans"])')
echo "conciergus: $ours spans/s, RSS after run ${OUR_RSS} kB, server CPU ${OUR_CPU} s for $ours_total spans (warm-up included) = $(python3 -c "print(round($ours_total / max($OUR_CPU, 0.01)))") spans per CPU-second"
if [ "${SKIP_ASPIRE:-0}" != 1 ]; then
  theirs=$(grep '^{' "$OUT/$STAMP-aspire.txt" | python3 -c 'import json,sys; print(json.load(sys.stdin)["acceptedSpansPerSecond"])')
  theirs_total=$(grep '^{' "$OUT/$STAMP-aspire.txt" | python3 -c 'import json,sys; print(json.load(sys.stdin)["totalAcceptedSpans"])')
  echo "aspire:     $theirs spans/s, RSS after run ${ASPIRE_RSS} kB, server CPU ${ASPIRE_CPU} s for $theirs_total spans (warm-up included) = $(python3 -c "print(round($theirs_total / max($ASPIRE_CPU, 0.01)))") spans per CPU-second"
  python3 -c "print(f'ratio conciergus/aspire: {$ours/$theirs:.2f}x spans/s, {($ours_total/max($OUR_CPU,0.01))/($theirs_total/max($ASPIRE_CPU,0.01)):.2f}x spans per CPU-second')"
fi
