import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { withCassette } from '../../src/index.js';
import { startServer, type LoopbackServer } from '../helpers/server.js';

let server: LoopbackServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const quiet = { onWarning: () => undefined } as const;

/** 50 events, 4 ms apart, with ids, event names, a multi-line data field, a comment and a retry hint. */
async function startSse(): Promise<LoopbackServer> {
  return startServer(async (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(': keep-alive comment\nretry: 1500\n\n');
    for (let i = 0; i < 50; i++) {
      const name = i % 10 === 0 ? 'event: tick\n' : '';
      const data = i === 7 ? 'data: line one\ndata: line two\n' : `data: {"i":${i}}\n`;
      res.write(`${name}id: ${i}\n${data}\n`);
      await new Promise((r) => setTimeout(r, 4));
    }
    res.end('data: [DONE]\n\n');
  });
}

/** Reads an SSE response chunk by chunk, returning the chunks as they arrived. */
async function readChunks(res: Response): Promise<string[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const chunks: string[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return chunks;
    chunks.push(decoder.decode(value));
  }
}

const parse = (text: string) =>
  text
    .split('\n\n')
    .filter((block) => block.trim() !== '' && !block.split('\n').every((l) => l.startsWith(':')))
    .map((block) => {
      const fields: Record<string, string> = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const [k, ...rest] = line.split(':');
        const v = rest.join(':').replace(/^ /, '');
        fields[k!] = fields[k!] === undefined ? v : `${fields[k!]}\n${v}`;
      }
      return fields;
    });

describe('server-sent events', () => {
  it('records a stream event by event and replays the same events, one chunk each, with the server stopped', async () => {
    server = await startSse();
    const url = `${server.url}/stream`;
    const path = join(await mkdtemp(join(tmpdir(), 'tapedeck-sse-')), 'c.json');
    const live = await withCassette({ path, mode: 'auto', ...quiet }, async () => (await readChunks(await fetch(url))).join(''));
    await server.close();
    server = undefined;

    const stored = JSON.parse(await readFile(path, 'utf8')).entries[0].result.value.body.sse as Array<{ data: string; delayMs: number; id?: string; event?: string }>;
    expect(stored).toHaveLength(52); // the retry-only block, 50 events, [DONE]
    expect(stored[8]).toMatchObject({ id: '7', data: 'line one\nline two' });
    expect(stored[1]).toMatchObject({ id: '0', event: 'tick', data: '{"i":0}' });
    expect(stored.slice(2, 50).some((e) => e.delayMs >= 2)).toBe(true);

    await withCassette({ path, mode: 'replay', ...quiet }, async () => {
      const res = await fetch(url);
      expect(res.headers.get('content-type')).toBe('text/event-stream');
      const reader = res.body!.getReader();
      const first = await reader.read();
      // The first event is readable on its own, before the stream has ended.
      expect(first.done).toBe(false);
      expect(parse(new TextDecoder().decode(first.value))).toHaveLength(1);
      const rest: string[] = [new TextDecoder().decode(first.value)];
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        rest.push(new TextDecoder().decode(value));
      }
      expect(rest).toHaveLength(52);
      expect(parse(rest.join('')).map((e) => e.data)).toEqual(parse(live).map((e) => e.data));
      expect(parse(rest.join('')).map((e) => e.id)).toEqual(parse(live).map((e) => e.id));
    });
  });

  it('re-recording an unchanged stream leaves the file byte-identical, though timings jitter', async () => {
    server = await startSse();
    const url = server.url;
    const path = join(await mkdtemp(join(tmpdir(), 'tapedeck-sse-')), 'c.json');
    const record = () => withCassette({ path, mode: 'record', ...quiet }, async () => (await fetch(url)).text());
    await record();
    const first = await readFile(path, 'utf8');
    await record();
    expect(await readFile(path, 'utf8')).toBe(first);
  });

  it('honours recorded delays only with replayDelays: true', async () => {
    server = await startServer(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (let i = 0; i < 5; i++) {
        res.write(`data: ${i}\n\n`);
        await new Promise((r) => setTimeout(r, 60));
      }
      res.end();
    });
    const url = server.url;
    const path = join(await mkdtemp(join(tmpdir(), 'tapedeck-sse-')), 'c.json');
    await withCassette({ path, mode: 'auto', ...quiet }, async () => readChunks(await fetch(url)));
    await server.close();
    server = undefined;
    const recorded = (JSON.parse(await readFile(path, 'utf8')).entries[0].result.value.body.sse as Array<{ delayMs: number }>).reduce((t, e) => t + e.delayMs, 0);
    expect(recorded).toBeGreaterThanOrEqual(200);
    const time = async (replayDelays: boolean) => {
      const start = performance.now();
      await withCassette({ path, mode: 'replay', replayDelays, ...quiet }, async () => readChunks(await fetch(url)));
      return performance.now() - start;
    };
    // A lower bound only: with delays the replay cannot be faster than the recorded gaps.
    expect(await time(true)).toBeGreaterThanOrEqual(recorded * 0.9);
    expect(await time(false)).toBeLessThan(recorded);
  });
});
