// DESIGN section 11: re-recording an unchanged run against a real API gives byte-identical files, though
// the API sends fresh request ids, timings and rate-limit counters on every response.
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { withCassette } from '../../src/index.js';
import { isVolatileHeader } from '../../src/volatile.js';
import { startServer, type LoopbackServer } from '../helpers/server.js';

let server: LoopbackServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const quiet = { onWarning: () => undefined } as const;
const random = () => String(Math.floor(Math.random() * 1e9));

/** Every response carries fresh volatile headers, like OpenAI's and Anthropic's; `answers` sets the body. */
async function startApi(answers: Record<string, string>): Promise<LoopbackServer> {
  return startServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.setHeader('x-request-id', `req_${randomUUID()}`);
    res.setHeader('request-id', `req_${randomUUID()}`);
    res.setHeader('openai-processing-ms', random());
    res.setHeader('cf-ray', `${random()}-SJC`);
    res.setHeader('x-ratelimit-remaining-requests', random());
    res.setHeader('x-ratelimit-remaining-tokens', random());
    res.setHeader('x-ratelimit-reset-requests', `${random()}ms`);
    res.setHeader('anthropic-ratelimit-tokens-remaining', random());
    res.setHeader('openai-version', '2020-10-01');
    res.setHeader('date', 'Wed, 01 Jan 2020 00:00:00 GMT');
    res.end(answers[req.url ?? ''] ?? '{}');
  });
}

async function recordRun(path: string, base: string): Promise<Record<string, string | null>> {
  return withCassette({ path, mode: 'record', ...quiet }, async () => {
    const a = await fetch(`${base}/a`);
    await a.text();
    await (await fetch(`${base}/b`)).text();
    return { requestId: a.headers.get('x-request-id'), date: a.headers.get('date') };
  });
}

describe('volatile response headers', () => {
  it('re-recording an unchanged run leaves the file byte-identical (not even rewritten), headers kept', async () => {
    const answers = { '/a': '{"answer":1}', '/b': '{"answer":2}' };
    server = await startApi(answers);
    const path = join(await mkdtemp(join(tmpdir(), 'tapedeck-volatile-')), 'c.json');
    const live = await recordRun(path, server.url);
    const first = await readFile(path, 'utf8');
    const firstStat = await stat(path);
    await new Promise((r) => setTimeout(r, 20));
    await recordRun(path, server.url);
    expect(await readFile(path, 'utf8')).toBe(first);
    expect((await stat(path)).mtimeMs).toBe(firstStat.mtimeMs);
    // Kept, not dropped: a test can still read the request id it was given, live and replayed.
    const stored = JSON.parse(first) as { entries: Array<{ result: { value: { headers: Record<string, string> } } }> };
    expect(stored.entries[0]!.result.value.headers['x-request-id']).toMatch(/^req_/);
    expect(live.requestId).toMatch(/^req_/);
    const replayed = await withCassette({ path, mode: 'replay', ...quiet }, async () => (await fetch(`${server!.url}/a`)).headers.get('x-request-id'));
    expect(replayed).toBe(stored.entries[0]!.result.value.headers['x-request-id']);
  });

  it('a changed answer is rewritten, and only that entry changes: the unchanged one keeps its previous bytes', async () => {
    const answers: Record<string, string> = { '/a': '{"answer":1}', '/b': '{"answer":2}' };
    server = await startApi(answers);
    const path = join(await mkdtemp(join(tmpdir(), 'tapedeck-volatile-')), 'c.json');
    await recordRun(path, server.url);
    const before = JSON.parse(await readFile(path, 'utf8')) as { entries: Array<{ result: { value: { headers: Record<string, string>; body: unknown } } }> };
    answers['/b'] = '{"answer":3}';
    await recordRun(path, server.url);
    const after = JSON.parse(await readFile(path, 'utf8')) as typeof before;
    expect(after.entries[0]).toEqual(before.entries[0]);
    expect(after.entries[1]!.result.value.body).toEqual({ json: { answer: 3 } });
    expect(after.entries[1]!.result.value.headers['x-request-id']).not.toBe(before.entries[1]!.result.value.headers['x-request-id']);
  });

  it('never stores the date header, whatever second the recording falls in', async () => {
    server = await startApi({ '/a': '{}' });
    const path = join(await mkdtemp(join(tmpdir(), 'tapedeck-volatile-')), 'c.json');
    const live = await recordRun(path, server.url);
    expect(live.date).toBeNull(); // the client never sees a date the replay could not give it either
    expect(await readFile(path, 'utf8')).not.toMatch(/"date"|Jan 2020/);
  });

  it.each([
    ['x-request-id', true],
    ['Request-Id', true],
    ['openai-processing-ms', true],
    ['cf-ray', true],
    ['x-ratelimit-remaining-tokens', true],
    ['anthropic-ratelimit-requests-reset', true],
    ['ratelimit-remaining', true],
    ['retry-after', false],
    ['content-type', false],
    ['openai-version', false],
    ['x-request-idea', false],
  ])('%s is volatile: %s', (name, expected) => {
    expect(isVolatileHeader(name)).toBe(expected);
  });
});
