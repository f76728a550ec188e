// MCP (issue 16): a replayed tools/call against the same call to a live stdio MCP server (the weather
// server of test/fixtures/mcp, written with the SDK), per call and per test, where a test connects
// (initialize), makes one call and closes: live, that includes spawning the server, which replay skips.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { withCassette } from '../src/index.js';
import { mcpTransport, type McpClientTransport } from '../src/mcp/index.js';
import { root } from './lib/child.js';
import { median } from './lib/stats.js';

export interface McpRow {
  what: 'call' | 'test';
  /** Median ms of a replayed call (or test) and of the same against the live server. */
  replayMs: number;
  liveMs: number;
  /** live / replay. */
  speedup: number;
  n: number;
}

const SERVER = join(root, 'test', 'fixtures', 'mcp', 'stdio-server.mjs');
const stdio = () => new StdioClientTransport({ command: process.execPath, args: [SERVER], stderr: 'ignore' });
const quiet = { http: false, onWarning: () => undefined } as const;
const CALL = { name: 'get_forecast', arguments: { city: 'Paris' } };

async function connect(transport: McpClientTransport): Promise<Client> {
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(transport as Parameters<Client['connect']>[0]);
  return client;
}

/** Times `calls` tool calls on one connected client, after `warmup` untimed ones; ms each. */
async function timeCalls(client: Client, warmup: number, calls: number): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await client.callTool(CALL);
  const out: number[] = [];
  for (let i = 0; i < calls; i++) {
    const start = performance.now();
    await client.callTool(CALL);
    out.push(performance.now() - start);
  }
  return out;
}

/** One test: connect, one call, close. */
async function oneTest(transport: McpClientTransport): Promise<void> {
  const client = await connect(transport);
  await client.callTool(CALL);
  await client.close();
}

export async function mcpSection({ calls, tests, warmup }: { calls: number; tests: number; warmup: number }): Promise<McpRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'tapedeck-bench-mcp-'));
  try {
    const perCall = join(dir, 'per-call.json');
    const perTest = join(dir, 'per-test.json');
    // Record once (the live server answers), then replay with the factory never called.
    await withCassette({ path: perCall, mode: 'record', ...quiet }, async () => {
      const client = await connect(mcpTransport('weather', stdio));
      await timeCalls(client, warmup, calls);
      await client.close();
    });
    await withCassette({ path: perTest, mode: 'record', ...quiet }, () => oneTest(mcpTransport('weather', stdio)));
    const never = () => {
      throw new Error('bench: replay must not start the MCP server');
    };

    const replayCalls = await withCassette({ path: perCall, mode: 'replay', ...quiet }, async () => {
      const client = await connect(mcpTransport('weather', never));
      const out = await timeCalls(client, warmup, calls);
      await client.close();
      return out;
    });
    const live = await connect(stdio());
    const liveCalls = await timeCalls(live, warmup, calls);
    await live.close();

    const replayTests: number[] = [];
    const liveTests: number[] = [];
    for (let i = 0; i < tests; i++) {
      let start = performance.now();
      await withCassette({ path: perTest, mode: 'replay', ...quiet }, () => oneTest(mcpTransport('weather', never)));
      replayTests.push(performance.now() - start);
      start = performance.now();
      await oneTest(stdio());
      liveTests.push(performance.now() - start);
    }
    const row = (what: McpRow['what'], replay: number[], liveMs: number[]): McpRow => ({
      what,
      replayMs: median(replay),
      liveMs: median(liveMs),
      speedup: median(liveMs) / median(replay),
      n: replay.length,
    });
    return [row('call', replayCalls, liveCalls), row('test', replayTests, liveTests)];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
