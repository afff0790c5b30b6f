#!/usr/bin/env bash
# Scale (issue 20 item 4): how the dashboard's cost grows with the number of series, users and open pages, at one
# fixed OTLP/HTTP rate. Every step is a fresh dashboard process (Release, Production settings, demo off, OTLP/gRPC off,
# fresh data folder under /tmp, 127.0.0.1:PORT, stopped by PID) under LoadGen at RATE spans/s: WARMUP seconds, then a
# WINDOW measured. Dimensions:
#   series: LoadGen --models N (N distinct priced models: N model series);
#   users:  LoadGen --users N (each chat span a user.id drawn from N users);
#   pages:  N Overview pages live in one headless Chromium (bench/Conciergus.PageScale), kept open during the window.
# Per step: the server's CPU seconds per second (/proc/<pid>/stat utime+stime over the window), RSS at the window's
# end, managed heap (/metrics dotnet_gc_heap_size_bytes, after the last GC), accepted spans/s (LoadGen), p50/p95 of
# CALLS calls each to /api/v1/summary and /api/v1/costs?groupBy=user (Viewer key) spread over the window, and for pages
# the bytes pushed per page per second (WebSocket frames of the first 5 pages). A step whose process died, whose load
# was not held (accepted < 95% of RATE, or rejected spans), whose read API failed or whose pages were not all live
# prints FAILED. No goal: the figures are "measured". One table and one summary line per dimension.
# Usage: bench/scale.sh [spans-per-second=5000]
# Env: WARMUP=10 WINDOW=30 CALLS=20 SERIES="10 100 1000" USERS="10 1000 100000" PAGES="0 1 10 100"
#      DIMENSIONS="series users pages" SCALE_BIN=<published dashboard, default /tmp/conciergus-scale-publish> MAX_SERIES=2000 (Conciergus:TimeSeries:MaxSeriesPerDimension, lifted so 1,000
#      models are 1,000 series) CONNECTIONS=4 BATCH=100 PORT=18580 SKIP_BUILD=1 LIMIT=900 (seconds, the whole script).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
LIMIT=${LIMIT:-900}
# The whole script is bounded: timeout signals the whole process group (dashboard, LoadGen, Chromium) when it expires.
if [ -z "${SCALE_BOUNDED:-}" ]; then
  rc=0; env SCALE_BOUNDED=1 timeout --kill-after=20 "$LIMIT" "$ROOT/bench/scale.sh" "$@" || rc=$?
  if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then echo "scale: FAILED (the run exceeded LIMIT=$LIMIT s and was stopped; partial rows in bench/results/scale-*.tsv)"; fi
  exit "$rc"
fi
RATE=${1:-5000}
WARMUP=${WARMUP:-10}
WINDOW=${WINDOW:-30}
CALLS=${CALLS:-20}
SERIES=${SERIES:-10 100 1000}
USERS=${USERS:-10 1000 100000}
PAGES=${PAGES:-0 1 10 100}
DIMENSIONS=${DIMENSIONS:-series users pages}
MAX_SERIES=${MAX_SERIES:-2000}
CONNECTIONS=${CONNECTIONS:-4}
BATCH=${BATCH:-100}
PORT=${PORT:-18580}
OPEN_TIMEOUT=${OPEN_TIMEOUT:-240}  # seconds for PageScale to sign in and open its pages
INGEST_KEY=scale-ingestion-key-0123456789abcd
VIEWER_KEY=scale-viewer-key-0123456789abcdefg
ADMIN_PASSWORD=scale-admin-password-0123
PAGESCALE="$ROOT/bench/Conciergus.PageScale/bin/Release/net10.0/Conciergus.PageScale.dll"
# A published dashboard: the Release build folder has no wwwroot, and Production serves static assets (blazor.web.js,
# MudBlazor, ApexCharts) only from a published one, so pages opened on a build folder never start their circuit.
DASHBOARD_DIR=${SCALE_BIN:-/tmp/conciergus-scale-publish}
. bench/lib.sh
TSV="$OUT/scale-$STAMP.tsv"
trap 'exit 143' TERM INT

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  timeout 300 dotnet publish src/Conciergus.Dashboard -c Release -o "$DASHBOARD_DIR" -v q -nologo 2>&1 | grep -E " error |Elapsed" || true
  for project in bench/Conciergus.LoadGen bench/Conciergus.PageScale; do
    timeout 300 dotnet build "$project" -c Release -v q -nologo 2>&1 | grep -E " error |Elapsed" || true
  done
fi

now() { date +%s.%N; }
tree_cpu_s() { # utime+stime of a process and all its descendants (the browser side of the pages step)
  ps -e -o pid=,ppid= | awk -v root="$1" '{ parent[$1] = $2 } END { for (p in parent) { q = p; while (q != "" && q != root && q > 1) q = parent[q]; if (q == root) print p } }' \
    | while read -r p; do cat "/proc/$p/stat" 2>/dev/null; done \
    | awk -v t="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); s += $12 + $13 } END { printf "%.2f", s / t }'
}
sleep_until() { local d; d=$(python3 -c "print(max(0.0, $1 - $(now)))"); sleep "$d"; }

echo "step	value	status	accepted_per_s	cpu_s_per_s	cpu_us_per_span	rss_mb	heap_mb	series	summary_p50_ms	summary_p95_ms	costs_p50_ms	costs_p95_ms	costs_kb	push_bytes_per_page_s	pages_live	browser_cpu_s_per_s	load1	note" > "$TSV"

# run_step dimension value pages loadgen-args...
run_step() {
  local dim=$1 value=$2 pages=$3; shift 3
  local tag="$dim-$value" status=ok note="" pid gen view=""
  local log="$OUT/scale-$STAMP-$tag"
  local data; data=$(mktemp -d /tmp/conciergus-scale.XXXXXX)
  start_dashboard "$DASHBOARD_DIR" "$PORT" "$data" "$log.log" \
    Conciergus__TimeSeries__MaxSeriesPerDimension="$MAX_SERIES" Conciergus__Auth__InitialAdminPassword="$ADMIN_PASSWORD"
  pid=$DASHBOARD_PID
  local up=0
  wait_http "http://127.0.0.1:$PORT/healthz" 60 && up=1
  [ "$up" = 1 ] || { status=FAILED; note="not healthy within 60 s"; }

  if [ "$status" = ok ] && [ "$pages" -gt 0 ]; then
    timeout $((OPEN_TIMEOUT + WARMUP + WINDOW + 90)) dotnet "$PAGESCALE" --url "http://127.0.0.1:$PORT" --user admin \
      --password "$ADMIN_PASSWORD" --pages "$pages" --warmup "$WARMUP" --duration "$WINDOW" > "$log-pages.txt" 2>&1 &
    view=$!; PIDS+=("$view")
    local deadline=$(( $(date +%s) + OPEN_TIMEOUT ))
    while ! grep -q '^READY' "$log-pages.txt" 2>/dev/null; do
      if ! kill -0 "$view" 2>/dev/null || [ "$(date +%s)" -ge "$deadline" ]; then status=FAILED; note="pages not open: $(tail -c 300 "$log-pages.txt" | tr '\n\t' '  ')"; break; fi
      sleep 0.5
    done
    grep '^READY' "$log-pages.txt" | sed 's/^/   /' || true
  fi

  local cpu0=0 cpu1=0 t0 t1 rss=0 start bcpu0=0 bcpu1=0
  if [ "$status" = ok ]; then
    start=$(now)
    timeout $((WARMUP + WINDOW + 60)) dotnet "$LOADGEN" --label "scale-$tag" --url "http://127.0.0.1:$PORT" \
      --header "x-otlp-api-key=$INGEST_KEY" --rate "$RATE" --connections "$CONNECTIONS" --batch-size "$BATCH" \
      --warmup "$WARMUP" --duration "$WINDOW" --seed 42 "$@" > "$log-loadgen.txt" 2>&1 &
    gen=$!; PIDS+=("$gen")
    # The window: from 1 s after LoadGen's warm-up (its start-up) to 1 s before its end.
    sleep_until "$(python3 -c "print($start + $WARMUP + 1)")"
    cpu0=$(cpu_s "$pid"); t0=$(now); [ -n "$view" ] && bcpu0=$(tree_cpu_s "$view")
    : > "$log-latency.txt"
    local spacing; spacing=$(python3 -c "print(($WINDOW - 4) / $CALLS)")
    for i in $(seq 1 "$CALLS"); do
      curl -s -o /dev/null -m 10 -w 'summary %{http_code} %{time_total} %{size_download}\n' -H "X-Api-Key: $VIEWER_KEY" \
        "http://127.0.0.1:$PORT/api/v1/summary" >> "$log-latency.txt" || true
      curl -s -o /dev/null -m 10 -w 'costs %{http_code} %{time_total} %{size_download}\n' -H "X-Api-Key: $VIEWER_KEY" \
        "http://127.0.0.1:$PORT/api/v1/costs?groupBy=user" >> "$log-latency.txt" || true
      sleep_until "$(python3 -c "print($t0 + $i * $spacing)")"
    done
    sleep_until "$(python3 -c "print($start + $WARMUP + $WINDOW - 1)")"
    if kill -0 "$pid" 2>/dev/null; then
      cpu1=$(cpu_s "$pid"); t1=$(now); rss=$(rss_mb "$pid"); [ -n "$view" ] && bcpu1=$(tree_cpu_s "$view")
      curl -fsS -m 20 -H "X-Api-Key: $VIEWER_KEY" "http://127.0.0.1:$PORT/metrics" > "$log-metrics.txt" 2>/dev/null || true
    else
      status=FAILED; note="dashboard process died"; t1=$(now)
    fi
    wait "$gen" || true
    if [ -n "$view" ]; then wait "$view" || true; fi
  fi
  local load1; load1=$(cut -d' ' -f1 /proc/loadavg)
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  rm -rf "$data"

  python3 - "$TSV" "$dim" "$value" "$status" "$note" "$RATE" "$cpu0" "$cpu1" "${t0:-0}" "${t1:-0}" "$rss" "$load1" "$log" "$bcpu0" "$bcpu1" <<'PY'
import math, os, re, sys
tsv, dim, value, status, note, rate = sys.argv[1:7]
cpu0, cpu1, t0, t1, rss, load1 = (float(x) for x in sys.argv[7:13])
log = sys.argv[13]
browser = (float(sys.argv[15]) - float(sys.argv[14])) / (t1 - t0) if t1 > t0 and float(sys.argv[15]) > 0 else None
rate = float(rate)
read = lambda p: open(p).read() if os.path.exists(p) else ""
notes = [note] if note else []
gen = read(log + "-loadgen.txt")
m = re.search(r"accepted spans/s : ([\d.]+)\s+\(accepted (\d+) of (\d+) sent, rejected (\d+)\)", gen)
accepted = float(m.group(1)) if m else 0.0
if status == "ok" and (not m or accepted < 0.95 * rate or int(m.group(4)) > 0):
    status = "FAILED"; notes.append(f"load not held: {accepted:.0f} of {rate:.0f} spans/s" + (f", {m.group(4)} rejected" if m else ""))
cpu = (cpu1 - cpu0) / (t1 - t0) if t1 > t0 else 0.0
metrics = read(log + "-metrics.txt")
def metric(name):
    for line in metrics.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == name:
            return float(parts[1])
    return 0.0
calls = {"summary": [], "costs": []}
sizes = {"summary": [], "costs": []}
failed = 0
for line in read(log + "-latency.txt").splitlines():
    name, code, seconds, size = line.split()
    if code != "200":
        failed += 1
    calls[name].append(float(seconds) * 1000)
    sizes[name].append(float(size))
if status == "ok" and failed:
    status = "FAILED"; notes.append(f"{failed} read-API calls failed")
def pct(values, q):  # nearest rank
    s = sorted(values)
    return s[max(0, math.ceil(q * len(s)) - 1)] if s else 0.0
pages = read(log + "-pages.txt")
pm = re.search(r"pages (\d+) live (\d+) sampled \d+ bytes_per_page_s (\d+)", pages)
push, live = (pm.group(3), pm.group(2)) if pm else ("", "")
if status == "ok" and dim == "pages" and value != "0" and (not pm or pm.group(1) != pm.group(2)):
    status = "FAILED"; notes.append(f"pages live {live or '?'} of {value}")
row = [dim, value, status, f"{accepted:.0f}", f"{cpu:.3f}", f"{cpu / accepted * 1e6:.1f}" if accepted else "",
       f"{rss:.0f}", f"{metric('dotnet_gc_heap_size_bytes') / 1048576:.0f}", f"{metric('conciergus_timeseries_series'):.0f}",
       f"{pct(calls['summary'], .5):.1f}", f"{pct(calls['summary'], .95):.1f}", f"{pct(calls['costs'], .5):.1f}", f"{pct(calls['costs'], .95):.1f}",
       f"{max(sizes['costs'], default=0) / 1024:.1f}",
       push, live, f"{browser:.2f}" if browser is not None else "", f"{load1:.2f}", "; ".join(notes)]
open(tsv, "a").write("\t".join(row) + "\n")
print(f"   {dim} {value}: {status}, {accepted:.0f} spans/s, CPU {cpu:.2f} s/s, RSS {rss:.0f} MB, heap {metric('dotnet_gc_heap_size_bytes') / 1048576:.0f} MB"
      + (f", {live} pages live, {push} B/page/s" if pm else "") + (f" ({'; '.join(notes)})" if notes else ""), flush=True)
PY
}

echo "== scale: $RATE spans/s OTLP/HTTP ($CONNECTIONS connections, $BATCH spans/request), ${WARMUP}s warm-up + ${WINDOW}s window per step; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); -> $TSV"
for dim in $DIMENSIONS; do
  case $dim in
    series) for n in $SERIES; do echo "-- series $n"; run_step series "$n" 0 --models "$n"; done ;;
    users) for n in $USERS; do echo "-- users $n"; run_step users "$n" 0 --users "$n"; done ;;
    pages) for n in $PAGES; do echo "-- pages $n"; run_step pages "$n" "$n"; done ;;
    *) echo "unknown dimension '$dim' (series, users, pages)" >&2; exit 2 ;;
  esac
done
echo "== done; load $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$TSV" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
cols = [("step", "step"), ("value", "value"), ("status", "status"), ("accepted_per_s", "spans/s"), ("cpu_s_per_s", "CPU s/s"),
        ("cpu_us_per_span", "CPU us/span"), ("rss_mb", "RSS MB"), ("heap_mb", "heap MB"), ("series", "series"),
        ("pages_live", "pages live"), ("summary_p50_ms", "summary p50"), ("summary_p95_ms", "p95"), ("costs_p50_ms", "costs p50"),
        ("costs_p95_ms", "p95"), ("costs_kb", "costs KB"), ("push_bytes_per_page_s", "push B/page/s"), ("browser_cpu_s_per_s", "browser CPU s/s"), ("load1", "load1")]
print("| " + " | ".join(h for _, h in cols) + " |")
print("|" + "|".join(" --- " for _ in cols) + "|")
for r in rows:
    print("| " + " | ".join(r[k] or "-" for k, _ in cols) + " |")
for r in rows:
    if r["note"]:
        print(f"   {r['step']} {r['value']}: {r['note']}")
f = lambda r, k: float(r[k]) if r[k] else 0.0
for dim, unit in (("series", "series values"), ("users", "users"), ("pages", "pages")):
    steps = [r for r in rows if r["step"] == dim]
    if not steps:
        continue
    a, b = steps[0], steps[-1]
    failed = [r["value"] for r in steps if r["status"] != "ok"]
    span = f"from {int(a['value']):,} to {int(b['value']):,} {unit}"
    if dim == "pages":
        extra = f"; {b['push_bytes_per_page_s']} B/page/s pushed" if b["push_bytes_per_page_s"] else ""
        added = int(b["value"]) - int(a["value"])
        per_page = f", {(f(b, 'cpu_s_per_s') - f(a, 'cpu_s_per_s')) / added * 1000:+.1f} ms/s per page" if added else ""
        growth = f"CPU {f(a, 'cpu_s_per_s'):.2f} -> {f(b, 'cpu_s_per_s'):.2f} s/s ({f(b, 'cpu_s_per_s') - f(a, 'cpu_s_per_s'):+.2f}{per_page})"
    else:
        extra = ""
        ratio = f(b, "cpu_us_per_span") / f(a, "cpu_us_per_span") if f(a, "cpu_us_per_span") else 0
        growth = f"CPU per span x{ratio:.2f} ({f(a, 'cpu_us_per_span'):.0f} -> {f(b, 'cpu_us_per_span'):.0f} us)"
    print(f"scale {dim}: {growth} {span}; heap {f(b, 'heap_mb') - f(a, 'heap_mb'):+.0f} MB, RSS {f(b, 'rss_mb') - f(a, 'rss_mb'):+.0f} MB; "
          f"summary p95 {a['summary_p95_ms']} -> {b['summary_p95_ms']} ms, costs p95 {a['costs_p95_ms']} -> {b['costs_p95_ms']} ms{extra}; "
          + (f"FAILED at {', '.join(failed)}" if failed else "measured"))
PY
