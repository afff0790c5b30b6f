// Vercel AI SDK 5 with its real OpenAI provider (baseURL at a loopback mock of the OpenAI API) and
// experimental_telemetry on, exporting spans over OTLP/gRPC (@opentelemetry/exporter-trace-otlp-grpc).
// Used by the gRPC ingestion tests:
//
//   node send.mjs <grpc-url> <ingestion-key> <openai-base-url> <calls>
//
// Every third call streams; calls the mock refuses (429) are caught and counted. Prints a JSON summary.
import { generateText, streamText } from 'ai';
import { createOpenAI } from '@ai-sdk/openai';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { Metadata } from '@grpc/grpc-js';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { context } from '@opentelemetry/api';

const [url, key, baseURL, callsText = '12'] = process.argv.slice(2);
if (!url || !key || !baseURL) {
  console.error('usage: node send.mjs <grpc-url> <ingestion-key> <openai-base-url> [calls]');
  process.exit(2);
}

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const metadata = new Metadata();
metadata.set('x-otlp-api-key', key);
const exporter = new OTLPTraceExporter({ url, metadata });
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'vercel-grpc-app' }),
  spanProcessors: [new BatchSpanProcessor(exporter, { maxExportBatchSize: 1000, scheduledDelayMillis: 60_000 })],
});
const tracer = provider.getTracer('vercel-ai-sdk-5');
const openai = createOpenAI({ baseURL, apiKey: 'sk-test' });

let refused = 0;
for (let i = 0; i < Number(callsText); i++) {
  const common = {
    model: openai.chat('gpt-4o-mini'),
    prompt: `Answer ${i}`,
    maxRetries: 0,
    experimental_telemetry: { isEnabled: true, functionId: 'answer', tracer },
  };
  try {
    if (i % 3 === 2) {
      let failure;
      const result = streamText({ ...common, onError: ({ error }) => { failure = error; } });
      for await (const _ of result.textStream) { /* drain */ }
      if (failure) throw failure;
    } else {
      await generateText(common);
    }
  } catch (e) {
    refused++;
  }
}

await provider.forceFlush();
await provider.shutdown();
console.log(JSON.stringify({ refused }));
