import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { runStats, withCassette, type ReplayError } from '../../src/index.js';
import { statsSince } from '../../src/report.js';
import { startOpenAIFake } from '../helpers/llm-fakes.js';
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
    const recorded = { text: await readFile(path, 'utf8'), mtime: (await stat(path)).mtimeMs };
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
    // Verify never writes, whether it passed or found drift.
    expect(await readFile(path, 'utf8')).toBe(recorded.text);
    expect((await stat(path)).mtimeMs).toBe(recorded.mtime);
  });

  it('compares numbers within a relative tolerance of 1e-9 by default', async () => {
    let value = 1;
    server = await startServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ value }));
    });
    const base = server.url;
    const path = join(await mkdtemp(join(tmpdir(), 'tapedeck-verify-')), 'c.json');
    const run = (mode: 'record' | 'verify') => withCassette({ path, mode, ...quiet }, async () => (await fetch(`${base}/n`)).json());
    await run('record');
    value = 1 + 1e-12; // floating-point noise: the same answer
    await expect(run('verify')).resolves.toEqual({ value });
    value = 1 + 1e-6;
    await expect(run('verify')).rejects.toMatchObject({ reason: 'drift', differences: ['result.value.body.json.value: 1 -> 1.000001'] });
  });

  it('verifies a streamed OpenAI completion event by event, with per-call ids ignored', async () => {
    let pieces = ['The ', 'answer ', 'is ', '42.'];
    server = await startOpenAIFake({ pieces: () => pieces });
    const base = server.url;
    const path = join(await mkdtemp(join(tmpdir(), 'tapedeck-verify-')), 'c.json');
    // Every chunk carries the completion's id and creation time, which change on every call.
    const verifyIgnore = ['body.sse.*.id', 'body.sse.*.created', 'body.json.id', 'body.json.created'];
    const run = (mode: 'record' | 'verify', ignore = verifyIgnore) =>
      withCassette({ path, mode, verifyIgnore: ignore, ...quiet }, async () => {
        const openai = new OpenAI({ apiKey: 'sk-test', baseURL: `${base}/v1`, maxRetries: 0 });
        const stream = await openai.chat.completions.create({ model: 'gpt-fake', messages: [{ role: 'user', content: 'q' }], stream: true });
        let text = '';
        for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
        const plain = await openai.chat.completions.create({ model: 'gpt-fake', messages: [{ role: 'user', content: 'hi' }] });
        return [text, plain.choices[0]!.message.content];
      });
    await run('record');
    await expect(run('verify')).resolves.toEqual(['The answer is 42.', 'You said: hi']);
    // Without verifyIgnore the ids and timestamps differ, and only they: the same meaning, counted, not a failure.
    const before = runStats();
    await expect(run('verify', [])).resolves.toEqual(['The answer is 42.', 'You said: hi']);
    expect(statsSince(before)).toMatchObject({ drift: 2, driftSame: 2, driftAnswer: 0, driftBehaviour: 0 });

    pieces = ['The ', 'answer ', 'is ', '43.'];
    const error = (await run('verify').catch((e: unknown) => e)) as ReplayError;
    expect(error.reason).toBe('drift');
    expect(error.differences).toEqual(['result.value.body.sse[3].choices[0].delta.content: "42." -> "43."']);
    expect(error.message).toContain('tapedeck: drift: changed answer: http:POST');
    expect(error.message).toContain('  changed answer: answer: "The answer is 42." -> "The answer is 43."');
  });
});
