// DESIGN section 11: what a client reads, recording or replaying, means exactly what the server sent.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { withCassette } from '../../src/index.js';
import { parsesExactly } from '../../src/http/exchange.js';
import { startServer, type LoopbackServer } from '../helpers/server.js';

let server: LoopbackServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const quiet = { onWarning: () => undefined } as const;

/** The server answers each path with these exact bytes as application/json. */
const BODIES: Record<string, string> = {
  '/big-id': '{"id":1050118621198921728}',
  '/duplicate': '{"a":1,"a":2,"b":"x"}',
  '/negative-zero': '{"delta":-0}',
  '/huge': '{"n":1e400}',
  '/pretty': '{\n  "id": 7,\n  "ok": true\n}\n',
  '/plain': '{"id":7,"price":12.5,"list":[1,2,3]}',
};

async function recordAndReplay(path: string): Promise<{ live: string; replayed: string; stored: unknown }> {
  server = await startServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(BODIES[req.url ?? ''] ?? '{}');
  });
  const url = `${server.url}${path}`;
  const file = join(await mkdtemp(join(tmpdir(), 'tapedeck-exact-')), 'c.json');
  const live = await withCassette({ path: file, mode: 'auto', ...quiet }, async () => (await fetch(url)).text());
  await server.close();
  server = undefined;
  const replayed = await withCassette({ path: file, mode: 'replay', ...quiet }, async () => (await fetch(url)).text());
  const stored = (JSON.parse(await readFile(file, 'utf8')) as { entries: Array<{ result: { value: { body: unknown } } }> }).entries[0]!.result.value.body;
  return { live, replayed, stored };
}

describe('JSON response bodies are stored as JSON only when parsing loses nothing', () => {
  it.each(['/big-id', '/duplicate', '/negative-zero', '/huge'])('%s: the client reads the server bytes live and replayed; stored as text', async (path) => {
    const { live, replayed, stored } = await recordAndReplay(path);
    expect(live).toBe(BODIES[path]);
    expect(replayed).toBe(BODIES[path]);
    expect(stored).toEqual({ text: BODIES[path] });
  });

  it('an integer beyond 2^53 keeps every digit (the bug: …728 came back …700)', async () => {
    const { live, replayed } = await recordAndReplay('/big-id');
    expect(live).toContain('1050118621198921728');
    expect(replayed).toContain('1050118621198921728');
  });

  it('exact JSON is stored as JSON; live the client reads the server bytes, replayed the same meaning', async () => {
    for (const path of ['/plain', '/pretty']) {
      const { live, replayed, stored } = await recordAndReplay(path);
      expect(stored).toEqual({ json: JSON.parse(BODIES[path]!) });
      expect(live).toBe(BODIES[path]);
      expect(JSON.parse(replayed)).toEqual(JSON.parse(BODIES[path]!));
    }
  });

  it('request bodies: two requests that differ only beyond 2^53 get different keys', async () => {
    server = await startServer((_req, res, body) => {
      res.setHeader('content-type', 'text/plain');
      res.end(`got ${body}`);
    });
    const url = `${server.url}/post`;
    const file = join(await mkdtemp(join(tmpdir(), 'tapedeck-exact-')), 'c.json');
    const post = (body: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then((r) => r.text());
    await withCassette({ path: file, mode: 'auto', ...quiet }, () => post('{"id":1050118621198921728}'));
    await server.close();
    server = undefined;
    const replayed = await withCassette({ path: file, mode: 'replay', ...quiet }, () => post('{"id":1050118621198921728}'));
    expect(replayed).toBe('got {"id":1050118621198921728}');
    const other = await withCassette({ path: file, mode: 'replay', ...quiet }, () => post('{"id":1050118621198921729}')).catch((e: unknown) => e);
    expect(other).toMatchObject({ reason: 'cassette-miss' });
  });
});

describe('parsesExactly', () => {
  it.each([
    ['numbers written another way', '{"a":1,"b":[1.5,-2,0,1e2,1.50,0.1,12.5e-1]}', true],
    ['a string value is not a key', '{"a":"\\u0061","b":"a"}', true],
    ['the same key in sibling objects', '[{"a":1},{"a":2}]', true],
    ['the same key in nested objects', '{"x":{"a":1},"y":{"a":1}}', true],
    ['a key repeated through an escape', '{"a":1,"\\u0061":2}', false],
    ['a repeated key with the same value', '{"a":{"b":1,"b":1}}', false],
    ['2^53 + 1', '9007199254740993', false],
    ['-0.0', '[-0.0]', false],
    ['1e400', '{"n":1e400}', false],
    ['30 digits', '{"n":123456789012345678901234567890}', false],
    ['1001 levels', `${'['.repeat(1001)}${']'.repeat(1001)}`, false],
    ['1000 levels', `${'['.repeat(1000)}${']'.repeat(1000)}`, true],
  ])('%s: %#', (_what, text, expected) => {
    JSON.parse(text); // valid JSON
    expect(parsesExactly(text)).toBe(expected);
  });
});
