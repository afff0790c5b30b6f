// Records what send.mjs exports: starts a tiny OTLP/HTTP sink on loopback, runs send.mjs against it and
// writes each request body to ../Payloads/vercel-ai5-<mode>-<n>.pb (or .json). Only for refreshing the recorded payloads.
//   node capture.mjs [batch|simple] [protobuf|json]
import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';

const mode = process.argv[2] ?? 'batch';
const protocol = process.argv[3] ?? 'protobuf';
const extension = protocol === 'json' ? 'json' : 'pb';
let n = 0;
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    writeFileSync(new URL(`../Payloads/vercel-ai5-${mode}-${++n}.${extension}`, import.meta.url), Buffer.concat(chunks));
    res.writeHead(200, { 'content-type': 'application/x-protobuf' });
    res.end();
  });
});
server.listen(0, '127.0.0.1', async () => {
  const { port } = server.address();
  await new Promise((resolve, reject) => {
    import('node:child_process').then(({ execFile }) =>
      execFile('node', ['send.mjs', `http://127.0.0.1:${port}/v1/traces`, 'capture-key', mode, protocol], { cwd: new URL('.', import.meta.url) }, (e, out, err) => {
        process.stdout.write(out); process.stderr.write(err);
        e ? reject(e) : resolve();
      }));
  });
  server.close();
  console.log(`captured ${n} request(s)`);
});
