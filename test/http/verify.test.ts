import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { withCassette, type ReplayError } from '../../src/index.js';
import { startServer, type LoopbackServer } from '../helpers/server.js';

let server: LoopbackServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const quiet = { onWarning: () => undefined } as const;

describe('verify mode over HTTP', () => {
  it('passes against an unchanged server, ignoring headers and listed fields, and reports drift by path', async () => {
    let price = 9.99;
    let chunks = ['Hel', 'lo'];
    server = await startServer(async (req, res) => {
      res.setHeader('x-request-id', String(Math.random())); // headers differ on every call: not compared
      if (req.url === '/stream') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const c of chunks) res.write(`data: ${c}\n\n`);
        return void res.end();
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ item: 'book', price, created: Date.now() }));
    });
    const base = server.url;
    const path = join(await mkdtemp(join(tmpdir(), 'tapedeck-verify-')), 'c.json');
    const run = (mode: 'record' | 'verify') =>
      withCassette({ path, mode, verifyIgnore: ['body.json.created'], tolerance: 1e-6, ...quiet }, async () => {
        const json = await (await fetch(`${base}/item`)).json();
        const text = await (await fetch(`${base}/stream`)).text();
        return { json, text };
      });
    await run('record');
    const hitsAfterRecord = server.hits();
    await expect(run('verify')).resolves.toMatchObject({ json: { price: 9.99 } });
    expect(server.hits()).toBe(hitsAfterRecord + 2); // verify goes live

    chunks = ['He', 'llo']; // same concatenated data, other chunking: not drift
    await expect(run('verify')).resolves.toBeDefined();

    price = 12.5;
    chunks = ['Bye'];
    const error = (await run('verify').catch((e: unknown) => e)) as ReplayError;
    expect(error.reason).toBe('drift');
    expect(error.differences).toContain('result.value.body.json.price: 9.99 -> 12.5');
    expect(error.message).toContain('result.value.body.sse: "Hello" -> "Bye"');
  });
});
