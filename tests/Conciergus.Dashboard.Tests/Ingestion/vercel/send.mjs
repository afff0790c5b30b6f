// Runs Vercel AI SDK 5 calls against mock models with experimental_telemetry on and exports the spans
// to a Conciergus dashboard over OTLP/HTTP protobuf. Used by the ingestion tests (live, in CI) and to
// record the payloads under ../Payloads.
//
//   node send.mjs <traces-url> <ingestion-key> [batch|simple] [protobuf|json]
//
// "batch" (default) exports everything in one request at the end; "simple" exports every span as it
// ends (the do* child reaches the dashboard before its ai.* parent, in another request).
// Known numbers (asserted by the tests): see EXPECTED below.
import { generateText, streamText, generateObject, embed, embedMany, jsonSchema, simulateReadableStream } from 'ai';
import { MockLanguageModelV2, MockEmbeddingModelV2 } from 'ai/test';
import { BasicTracerProvider, BatchSpanProcessor, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { context } from '@opentelemetry/api';

const [url, key, mode = 'batch', protocol = 'protobuf'] = process.argv.slice(2);
if (!url || !key) {
  console.error('usage: node send.mjs <traces-url> <ingestion-key> [batch|simple] [protobuf|json]');
  process.exit(2);
}

// Without a context manager every span is a root of its own trace (no parent links), as in an app that
// forgot to register one; NodeSDK registers this one.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

const Exporter = protocol === 'json' ? JsonExporter : ProtoExporter;
const exporter = new Exporter({ url, headers: { 'x-otlp-api-key': key } });
const processor = mode === 'simple' ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter, { maxExportBatchSize: 1000, scheduledDelayMillis: 60_000 });
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'vercel-test-app', 'deployment.environment.name': 'ci' }),
  spanProcessors: [
    processor,
    ...(process.env.DEBUG_SPANS
      ? [{ onStart() {}, onEnd: (s) => console.error(s.name, s.spanContext().spanId, '<-', s.parentSpanContext?.spanId), forceFlush: async () => {}, shutdown: async () => {} }]
      : []),
  ],
});
const tracer = provider.getTracer('vercel-ai-sdk-5');

const telemetry = (functionId) => ({
  isEnabled: true,
  functionId,
  tracer,
  metadata: { userId: 'user-42', sessionId: 'sess-7', tenant: 'acme' },
});

const response = { id: 'resp-1', modelId: 'gpt-4o-mini-2024-07-18', timestamp: new Date(0) };

const chat = new MockLanguageModelV2({
  provider: 'openai.chat',
  modelId: 'gpt-4o-mini',
  doGenerate: async () => ({
    content: [{ type: 'text', text: '{"city":"Paris"}' }],
    finishReason: 'stop',
    usage: { inputTokens: 100, outputTokens: 20, totalTokens: 120 },
    warnings: [],
    response,
  }),
  doStream: async () => ({
    stream: simulateReadableStream({
      initialDelayInMs: 40,
      chunkDelayInMs: 5,
      chunks: [
        { type: 'stream-start', warnings: [] },
        { type: 'response-metadata', ...response },
        { type: 'text-start', id: 't1' },
        { type: 'text-delta', id: 't1', delta: 'Hello' },
        { type: 'text-delta', id: 't1', delta: ' world' },
        { type: 'text-end', id: 't1' },
        {
          type: 'finish',
          finishReason: 'stop',
          usage: { inputTokens: 200, outputTokens: 50, totalTokens: 250, cachedInputTokens: 128, reasoningTokens: 10 },
        },
      ],
    }),
  }),
});

const embedder = new MockEmbeddingModelV2({
  provider: 'openai.embedding',
  modelId: 'text-embedding-3-small',
  maxEmbeddingsPerCall: 2,
  doEmbed: async ({ values }) => ({ embeddings: values.map(() => [0.1, 0.2, 0.3]), usage: { tokens: 4 * values.length } }),
});

await generateText({ model: chat, prompt: 'Say hi', experimental_telemetry: telemetry('greet') });

const stream = streamText({ model: chat, prompt: 'Say hello', experimental_telemetry: telemetry('stream-greet') });
for await (const _ of stream.textStream) {
  // drain
}
await stream.usage;

await generateObject({
  model: chat,
  prompt: 'Where?',
  schema: jsonSchema({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }),
  experimental_telemetry: telemetry('locate'),
});

await embed({ model: embedder, value: 'one', experimental_telemetry: telemetry('embed-one') });
await embedMany({ model: embedder, values: ['a', 'b', 'c'], experimental_telemetry: telemetry('embed-many') });

await provider.forceFlush();
await provider.shutdown();
console.log('sent 5 calls');
