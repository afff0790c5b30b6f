# What the bench scripts share; each sources it after `cd` to the repository root: `. bench/lib.sh`.
# A script sets INGEST_KEY (and VIEWER_KEY when it reads /metrics or the read API) before start_dashboard; OUT, LOADGEN and
# DASHBOARD_DIR keep a value set before sourcing (or in the environment).

OUT=${OUT:-$PWD/bench/results}
mkdir -p "$OUT"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
LOADGEN=${LOADGEN:-$PWD/bench/Conciergus.LoadGen/bin/Release/net10.0/Conciergus.LoadGen.dll}
DASHBOARD_DIR=${DASHBOARD_DIR:-$PWD/src/Conciergus.Dashboard/bin/Release/net10.0}

# build_release PROJECT...: Release builds (errors and the elapsed time shown), skipped when SKIP_BUILD=1.
build_release() {
  [ "${SKIP_BUILD:-0}" = 1 ] && return 0
  for project in "$@"; do dotnet build "$project" -c Release -v q -nologo 2>&1 | grep -E " error |Elapsed" || true; done
}

PIDS=()
# Stops, by PID, every process the script started (never by name: other engineers' servers share the machine).
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

cpu_s() { awk -v t="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / t}' "/proc/$1/stat"; }  # utime+stime of a PID, seconds
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo 0; }
metric() { awk -v n="$1" '$1 == n {print $2; exit}' "$2"; }  # a Prometheus text file's value: exact series name, labels included

wait_http() { # url seconds -> 0 when it answers 2xx, 1 (and a message) when it does not within the time
  for _ in $(seq 1 $(($2 * 10))); do curl -fsS -m 2 -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "not ready: $1" >&2
  return 1
}

# start_dashboard DIR PORT DATA LOG [NAME=VALUE ...]: the dashboard built in DIR, bound to 127.0.0.1:PORT, Production
# settings (warnings only in LOG), demo traffic off, the ingestion rate limit lifted, OTLP/gRPC off (its default port 4317
# may be taken on a shared machine), the keys INGEST_KEY (ingestion) and VIEWER_KEY (Viewer) when set. NAME=VALUE
# settings are added after these and win. Sets DASHBOARD_PID (the dotnet process itself) and adds it to PIDS.
start_dashboard() {
  local dir=$1 port=$2 data=$3 log=$4
  shift 4
  local settings=(ASPNETCORE_ENVIRONMENT=Production "ASPNETCORE_URLS=http://127.0.0.1:$port" Logging__LogLevel__Default=Warning
    "Conciergus__DataDirectory=$data" Conciergus__Demo__Enabled=false Conciergus__Api__IngestionRequestsPerMinute=100000000
    Conciergus__Ingestion__Otlp__GrpcEndpoint= Conciergus__Auth__InitialAdminPassword=bench-admin-password)
  [ -z "${INGEST_KEY:-}" ] || settings+=("Conciergus__Ingestion__ApiKeys__0=$INGEST_KEY")
  [ -z "${VIEWER_KEY:-}" ] || settings+=("Conciergus__Api__Keys__0__Key=$VIEWER_KEY" Conciergus__Api__Keys__0__Role=Viewer)
  ( cd "$dir" && exec env "${settings[@]}" "$@" dotnet Conciergus.Dashboard.dll ) >"$log" 2>&1 &
  DASHBOARD_PID=$!
  PIDS+=("$DASHBOARD_PID")
}
