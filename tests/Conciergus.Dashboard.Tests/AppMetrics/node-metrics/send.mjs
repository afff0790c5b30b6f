// A Node application's own metrics, exported by the OpenTelemetry JS SDK over OTLP/HTTP protobuf.
// Usage: node send.mjs <metrics endpoint URL> <ingestion key> <service name> <seconds to run>
// Host metrics (process.cpu.*, process.memory.usage) and runtime metrics (nodejs.eventloop.*, v8js.*) are collected
// by their npm packages, exported every 250 ms with cumulative temporality, flushed and shut down at the end.
import { metrics } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { HostMetrics } from '@opentelemetry/host-metrics';
import { RuntimeNodeInstrumentation } from '@opentelemetry/instrumentation-runtime-node';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';

const [endpoint, key, service, seconds] = process.argv.slice(2);
if (!endpoint || !key || !service) {
  console.error('usage: node send.mjs <metrics endpoint URL> <ingestion key> <service name> [seconds]');
  process.exit(2);
}

const exporter = new OTLPMetricExporter({ url: endpoint, headers: { 'x-otlp-api-key': key } });
const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 250, exportTimeoutMillis: 250 });
const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': service }), readers: [reader] });
metrics.setGlobalMeterProvider(provider);

new HostMetrics({ meterProvider: provider, name: 'conciergus-node-metrics' }).start();
// The event-loop delay gauges are reported only from a collection whose histogram holds 5 samples or more (and the
// histogram is reset after each): a 50 ms sampling gave about 5 per 250 ms export, and none at all on a loaded CI
// machine. Sampling every 10 ms gives about 25.
const runtime = new RuntimeNodeInstrumentation({ monitoringPrecision: 10 });
runtime.setMeterProvider(provider);
runtime.enable();

// Some work so the process has CPU time and the event loop has delay to report.
const until = Date.now() + (Number(seconds) || 3) * 1000;
const buffers = [];
while (Date.now() < until) {
  buffers.push(Buffer.alloc(64 * 1024, 1));
  if (buffers.length > 64) {
    buffers.shift();
  }
  await new Promise((resolve) => setTimeout(resolve, 20));
}

await provider.forceFlush();
await provider.shutdown();
console.log('exported');
