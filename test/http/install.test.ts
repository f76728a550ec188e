import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { installHttp, withCassette } from '../../src/index.js';
import { startOpenAIFake } from '../helpers/llm-fakes.js';
import { startServer, type LoopbackServer } from '../helpers/server.js';

let server: LoopbackServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('installHttp', () => {
  it('tapes an SDK client constructed before any cassette opened (clients capture fetch)', async () => {
    server = await startOpenAIFake();
    const release = installHttp();
    // Built at "module top level": after interception started, before any cassette.
    const openai = new OpenAI({ apiKey: 'sk-proj-moduleLevelClientKey0123456789', baseURL: `${server.url}/v1`, maxRetries: 0 });
    const path = join(await mkdtemp(join(tmpdir(), 'tapedeck-install-')), 'c.json');
    const ask = () => openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    const live = await withCassette({ path, mode: 'auto', onWarning: () => undefined }, ask);
    await server.close();
    server = undefined;
    const replayed = await withCassette({ path, mode: 'replay', onWarning: () => undefined }, ask);
    await release();
    expect(replayed).toEqual(live);
    expect(JSON.parse(await readFile(path, 'utf8')).entries).toHaveLength(1);
  });

  it('restores the original fetch once everything is released', async () => {
    const original = globalThis.fetch;
    const release = installHttp();
    expect(globalThis.fetch).not.toBe(original);
    server = await startServer((_req, res) => void res.end('{}'));
    const path = join(await mkdtemp(join(tmpdir(), 'tapedeck-install-')), 'c.json');
    const url = server.url;
    await withCassette({ path, mode: 'auto', onWarning: () => undefined }, () => fetch(url, { headers: { accept: 'application/json' } }));
    // The live request of a recording is marked for msw to let through; the mark never reaches the server.
    expect(server.seen[0]?.headers.accept).toBe('application/json');
    expect(globalThis.fetch).not.toBe(original); // still held by installHttp
    await release();
    expect(globalThis.fetch).toBe(original);
  });
});
