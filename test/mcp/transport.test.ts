// mcpTransport against the real SDK client and real SDK servers: stdio (a child process), Streamable
// HTTP (a loopback server) and an in-memory pair. Record, then replay with the server gone.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { CreateMessageRequestSchema, McpError, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ReplayError, withCassette, type CassetteFile, type Mode } from '../../src/index.js';
import { mcpTransport, type McpTransportSource } from '../../src/mcp/index.js';
import { createWeatherServer, startHttpServer, stdioServer, tempDir } from './helpers.js';

const quiet = { onWarning: () => undefined } as const;

afterEach(() => {
  vi.unstubAllEnvs();
});

/** Everything the client saw in one session with the weather server, errors included, as plain data. */
async function session(source: McpTransportSource) {
  const client = new Client({ name: 'test-agent', version: '1.0.0' });
  await client.connect(mcpTransport('weather', source));
  try {
    const progress: Progress[] = [];
    const logs: unknown[] = [];
    client.setNotificationHandler((await import('@modelcontextprotocol/sdk/types.js')).LoggingMessageNotificationSchema, (n) => void logs.push(n.params.data));
    const tools = (await client.listTools()).tools.map((t) => t.name);
    const forecast = await client.callTool({ name: 'get_forecast', arguments: { city: 'Paris' } }, undefined, { onprogress: (p) => void progress.push(p) });
    const isError = await client.callTool({ name: 'get_forecast', arguments: { city: 'Atlantis' } });
    const rpcError = await client.readResource({ uri: 'weather://city/Atlantis' }).catch((e: McpError) => ({ name: e.name, code: e.code, message: e.message, isMcpError: e instanceof McpError }));
    const prompt = await client.getPrompt({ name: 'ask_forecast', arguments: { city: 'Lima' } });
    return { server: client.getServerVersion(), tools, forecast, progress, isError, rpcError, prompt, logs };
  } finally {
    await client.close();
  }
}

/**
 * Replay gives the client every message the server sent, each on its own turn. Live, the SDK client can
 * drop the last progress notifications when they reach it in one chunk with the reply
 * (modelcontextprotocol/typescript-sdk#2580), so what the recording client saw is a prefix of them.
 */
function expectSameSession(replayed: Awaited<ReturnType<typeof session>>, recorded: Awaited<ReturnType<typeof session>>): void {
  const { progress: replayedProgress, ...rest } = replayed;
  const { progress: recordedProgress, ...recordedRest } = recorded;
  expect(rest).toEqual(recordedRest);
  expect(replayedProgress.map((p) => p.progress)).toEqual([1, 2, 3]);
  expect(replayedProgress.slice(0, recordedProgress.length)).toEqual(recordedProgress);
}

const readCassette = async (path: string) => JSON.parse(await readFile(path, 'utf8')) as CassetteFile;

describe('mcpTransport over stdio', () => {
  it('records a session, then replays it under CI with the server gone: same answers, nothing spawned', async () => {
    const dir = await tempDir();
    const path = join(dir, 'stdio.json');
    const server = stdioServer(dir);
    const recorded = await withCassette({ path, mode: 'record', ...quiet }, () => session(server.factory));
    expect(await server.starts()).toBe(1);
    expect(recorded.forecast).toEqual({ content: [{ type: 'text', text: 'Paris: clouds, 14°C' }] });
    expect(recorded.progress[0]).toEqual({ progress: 1, total: 3, message: 'step 1' });
    expect(recorded.isError).toEqual({ content: [{ type: 'text', text: 'no forecast for Atlantis' }], isError: true });
    expect(recorded.rpcError).toMatchObject({ code: -32603, isMcpError: true });

    const file = await readCassette(path);
    expect(file.entries.map((e) => e.toolId)).toEqual([
      'mcp:weather initialize',
      'mcp:weather tools/list',
      'mcp:weather tools/call get_forecast',
      'mcp:weather tools/call get_forecast',
      'mcp:weather resources/read',
      'mcp:weather prompts/get ask_forecast',
    ]);
    // The key holds neither the JSON-RPC id nor the progress token; the tool's name is in the toolId.
    expect(file.entries[2]!.args).toEqual({ arguments: { city: 'Paris' } });
    expect(JSON.stringify(file)).not.toContain('progressToken');
    const messages = (file.entries[2]!.result as { value: { messages: Array<{ method: string; params: { progress?: number } }> } }).value.messages;
    expect(messages.map((m) => [m.method, m.params.progress])).toEqual([
      ['notifications/progress', 1],
      ['notifications/progress', 2],
      ['notifications/progress', 3],
      ['notifications/message', undefined],
    ]);

    vi.stubEnv('CI', 'true');
    vi.stubEnv('RECORD', '');
    const gone = stdioServer(dir, join(dir, 'deleted-server.mjs'));
    const replayed = await withCassette({ path, ...quiet }, () => session(gone.factory));
    expectSameSession(replayed, recorded);
    expect(await server.starts()).toBe(1); // the one start of the recording, none since
  });

  it('fails a changed argument with cassette-miss naming the nearest tools/call and the args diff', async () => {
    const dir = await tempDir();
    const path = join(dir, 'miss.json');
    const server = stdioServer(dir);
    const ask = (city: string) => async () => {
      const client = new Client({ name: 'test-agent', version: '1.0.0' });
      await client.connect(mcpTransport('weather', server.factory));
      try {
        return await client.callTool({ name: 'get_forecast', arguments: { city, days: 2 } });
      } finally {
        await client.close();
      }
    };
    await withCassette({ path, mode: 'record', ...quiet }, ask('Paris'));
    const error = (await withCassette({ path, mode: 'replay', ...quiet }, ask('Oslo')).catch((e: unknown) => e)) as ReplayError;
    expect(error).toBeInstanceOf(ReplayError);
    expect(error.reason).toBe('cassette-miss');
    expect(error.toolId).toBe('mcp:weather tools/call get_forecast');
    expect(error.nearest?.[0]?.differences).toEqual(['args.arguments.city: "Paris" -> "Oslo"']);
    expect(error.message).toContain('nearest recorded calls of mcp:weather tools/call get_forecast');
    expect(await server.starts()).toBe(1);
  });

  it('starts the server for a call that must go live after a replayed handshake, and records it', async () => {
    const dir = await tempDir();
    const path = join(dir, 'new.json');
    const server = stdioServer(dir);
    const run = (cities: string[]) => async () => {
      const client = new Client({ name: 'test-agent', version: '1.0.0' });
      await client.connect(mcpTransport('weather', server.factory));
      try {
        const out = [];
        for (const city of cities) out.push(await client.callTool({ name: 'get_forecast', arguments: { city } }));
        return out;
      } finally {
        await client.close();
      }
    };
    await withCassette({ path, mode: 'record', ...quiet }, run(['Paris']));
    expect(await server.starts()).toBe(1);
    // RECORD=new: initialize and Paris replay; Lima is new, so the server starts, gets the client's
    // handshake from tapedeck, and answers.
    const out = await withCassette({ path, mode: 'new', ...quiet }, run(['Paris', 'Lima']));
    expect(out.map((r) => (r.content as Array<{ text: string }>)[0]!.text)).toEqual(['Paris: clouds, 14°C', 'Lima: sun, 22°C']);
    expect(await server.starts()).toBe(2);
    expect((await readCassette(path)).entries.map((e) => e.args)).toEqual([
      expect.objectContaining({ clientInfo: { name: 'test-agent', version: '1.0.0' } }),
      { arguments: { city: 'Paris' } },
      { arguments: { city: 'Lima' } },
    ]);
  });

  it('replays a server that died in the middle of a call as a closed connection', async () => {
    const dir = await tempDir();
    const path = join(dir, 'crash.json');
    const server = stdioServer(dir);
    const crash = (source: McpTransportSource) => async () => {
      const client = new Client({ name: 'test-agent', version: '1.0.0' });
      let closed = 0;
      client.onclose = () => void closed++;
      await client.connect(mcpTransport('weather', source));
      const error = (await client.callTool({ name: 'crash', arguments: {} }).catch((e: McpError) => e)) as McpError;
      return { code: error.code, message: error.message, closed };
    };
    const recorded = await withCassette({ path, mode: 'record', ...quiet }, crash(server.factory));
    expect(recorded).toEqual({ code: -32000, message: 'MCP error -32000: Connection closed', closed: 1 });
    expect((await readCassette(path)).entries.at(-1)).toMatchObject({ toolId: 'mcp:weather tools/call crash', result: { ok: true, value: { closed: true } } });
    expect(await withCassette({ path, mode: 'replay', ...quiet }, crash(stdioServer(dir, join(dir, 'gone.mjs')).factory))).toEqual(recorded);
    expect(await server.starts()).toBe(1);
  });
});

describe('mcpTransport over Streamable HTTP', () => {
  it('tapes the exchange once, as MCP, and replays it with no connection made', async () => {
    const dir = await tempDir();
    const path = join(dir, 'http.json');
    const server = await startHttpServer();
    try {
      const factory = () => new StreamableHTTPClientTransport(server.url);
      const recorded = await withCassette({ path, mode: 'record', ...quiet }, () => session(factory));
      expect(server.connections()).toBeGreaterThan(0);
      expect(recorded.logs).toEqual(['forecast asked for Paris', 'forecast asked for Atlantis']);
      const toolIds = (await readCassette(path)).entries.map((e) => e.toolId);
      expect(toolIds.every((id) => id.startsWith('mcp:weather '))).toBe(true); // no http: entries

      const before = server.connections();
      vi.stubEnv('CI', 'true');
      vi.stubEnv('RECORD', '');
      const replayed = await withCassette({ path, ...quiet }, () => session(factory));
      expectSameSession(replayed, recorded);
      expect(server.connections()).toBe(before);
    } finally {
      await server.close();
    }
  });
});

describe('mcpTransport over an in-memory pair', () => {
  it("replays a server's sampling request to the client's handler, and the reply that followed", async () => {
    const path = join(await tempDir(), 'sampling.json');
    let served = 0;
    let sampled = 0;
    const run = (source: McpTransportSource) => async () => {
      const client = new Client({ name: 'test-agent', version: '1.0.0' }, { capabilities: { sampling: {} } });
      client.setRequestHandler(CreateMessageRequestSchema, (request) => {
        sampled++;
        const asked = (request.params.messages[0]!.content as { text: string }).text;
        return { role: 'assistant', model: 'fake', content: { type: 'text', text: `short: ${asked.length} chars` } };
      });
      await client.connect(mcpTransport('weather', source));
      try {
        return await client.callTool({ name: 'summarize_forecast', arguments: { city: 'Oslo' } });
      } finally {
        await client.close();
      }
    };
    const live = () => {
      served++;
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      void createWeatherServer().connect(serverSide);
      return clientSide;
    };
    const recorded = await withCassette({ path, mode: 'record', ...quiet }, run(live));
    expect(recorded).toEqual({ content: [{ type: 'text', text: 'summary: short: 27 chars' }] });
    const exchange = (await readCassette(path)).entries.find((e) => e.toolId === 'mcp:weather tools/call summarize_forecast')!;
    expect((exchange.result as { value: { messages: Array<{ method: string }> } }).value.messages.map((m) => m.method)).toEqual(['sampling/createMessage']);
    expect(await withCassette({ path, mode: 'replay', ...quiet }, run(() => { throw new Error('replay must not connect'); }))).toEqual(recorded);
    expect([served, sampled]).toEqual([1, 2]); // the client's own handler ran again; the server did not
  });

  it('keeps the calls of two concurrent scopes sharing one connected client apart', async () => {
    const dir = await tempDir();
    const paths = { a: join(dir, 'a.json'), b: join(dir, 'b.json') };
    const mcp = createWeatherServer();
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await mcp.connect(serverSide);
    let served = 0;
    const count = (m: unknown) => void (served += (m as { method?: string }).method === 'tools/call' ? 1 : 0);
    const onmessage = serverSide.onmessage!;
    serverSide.onmessage = (m, extra) => {
      count(m);
      onmessage(m, extra);
    };
    // Connected outside any test: the handshake goes live, untaped, as it does without tapedeck.
    const client = new Client({ name: 'test-agent', version: '1.0.0' });
    await client.connect(mcpTransport('weather', clientSide));
    const ask = (city: string) => async () => {
      const progress: number[] = [];
      const result = await client.callTool({ name: 'get_forecast', arguments: { city } }, undefined, { onprogress: (p) => void progress.push(p.progress) });
      return { result, progress };
    };
    const both = (mode: Mode) => Promise.all([withCassette({ path: paths.a, mode, ...quiet }, ask('Paris')), withCassette({ path: paths.b, mode, ...quiet }, ask('Oslo'))]);
    const recorded = await both('record');
    expect(served).toBe(2);
    for (const [path, city] of [[paths.a, 'Paris'], [paths.b, 'Oslo']] as const) {
      const entries = (await readCassette(path)).entries;
      expect(entries.map((e) => [e.toolId, e.args])).toEqual([['mcp:weather tools/call get_forecast', { arguments: { city } }]]);
      const value = (entries[0]!.result as { value: { messages: Array<{ method: string }> } }).value;
      expect(value.messages.filter((m) => m.method === 'notifications/progress')).toHaveLength(3);
    }
    const replayed = await both('replay');
    expect(replayed).toEqual(recorded);
    expect(recorded[0].progress).toEqual([1, 2, 3]);
    expect(served).toBe(2);
    await client.close();
  });
});
