#!/usr/bin/env bash
# Live update latency: Collector.Record -> the Overview's requests KPI in headless Chromium (/usr/bin/chromium),
# 100 updates, and the bytes the server sends per update. Runs the measurement in the test project
# (LiveLatencyBrowserTests.Measure_RecordToDom_PrintsLatencyAndBytesPerUpdate, skipped unless CONCIERGUS_MEASURE=1)
# on a loopback Kestrel port. Prints "Record -> DOM ... p50/p95/min/max" and "bytes per update"; record them in
# bench/README.md ("Live update latency") with the machine's load.
# Usage: bench/livelatency.sh [runs]   (default 1); SKIP_BUILD=1 reuses the last Debug build.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-1}
if [ "${SKIP_BUILD:-0}" != "1" ]; then
  dotnet build tests/Conciergus.Dashboard.Tests
fi
for run in $(seq 1 "$RUNS"); do
  echo "run $run, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  CONCIERGUS_MEASURE=1 dotnet test tests/Conciergus.Dashboard.Tests --no-build \
    --filter "FullyQualifiedName~LiveLatencyBrowserTests.Measure_RecordToDom" \
    --logger "console;verbosity=detailed" | grep -E "Record -> DOM|bytes per update|Passed|Failed" || true
done
