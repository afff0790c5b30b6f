// AI SDK 7 with its OpenTelemetry integration (@ai-sdk/otel: GenAI-convention spans invoke_agent > step > chat,
// embeddings > embeddings) against mock models, exported over OTLP/HTTP protobuf in one request.
// Made ../Payloads/ai-sdk7-batch-1.pb: run against a loopback sink that saves the body (as ../vercel/capture.mjs does). Not run by CI.
//   node send7.mjs <traces-url> <ingestion-key>
import { generateText, streamText, embed, registerTelemetry, simulateReadableStream } from 'ai';
import { MockLanguageModelV4, MockEmbeddingModelV4 } from 'ai/test';
import { OpenTelemetry } from '@ai-sdk/otel';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { context } from '@opentelemetry/api';

const [url, key] = process.argv.slice(2);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'ai-sdk7-app' }),
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url, headers: { 'x-otlp-api-key': key } }), { scheduledDelayMillis: 60_000 })],
});
registerTelemetry(new OpenTelemetry({ tracer: provider.getTracer('ai-sdk-7') }));

// Usage in the V4 provider shape: totals with their parts (input includes cache reads, output includes reasoning).
const usage = { inputTokens: { total: 200, noCache: 72, cacheRead: 128, cacheWrite: 0 }, outputTokens: { total: 50, text: 40, reasoning: 10 } };
const response = { id: 'resp-1', modelId: 'gpt-4o-mini-2024-07-18', timestamp: new Date(0) };
const model = new MockLanguageModelV4({
  provider: 'openai.chat',
  modelId: 'gpt-4o-mini',
  doGenerate: async () => ({ content: [{ type: 'text', text: 'hi' }], finishReason: { unified: 'stop', raw: 'stop' }, usage, warnings: [], response }),
  doStream: async () => ({
    stream: simulateReadableStream({
      initialDelayInMs: 40,
      chunks: [
        { type: 'stream-start', warnings: [] },
        { type: 'response-metadata', ...response },
        { type: 'text-start', id: 't' },
        { type: 'text-delta', id: 't', delta: 'hello' },
        { type: 'text-end', id: 't' },
        { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage },
      ],
    }),
  }),
});
const embedder = new MockEmbeddingModelV4({ provider: 'openai.embedding', modelId: 'text-embedding-3-small', doEmbed: async () => ({ embeddings: [[0.1]], usage: { tokens: 4 } }) });

await generateText({ model, prompt: 'Say hi', telemetry: { functionId: 'greet' } });
const stream = streamText({ model, prompt: 'Say hello', telemetry: { functionId: 'stream-greet' } });
for await (const _ of stream.textStream) {
  // drain
}
await stream.usage;
await embed({ model: embedder, value: 'one', telemetry: { functionId: 'embed-one' } });

await provider.forceFlush();
await provider.shutdown();
console.log('sent 3 calls');
