// Real MCP servers for the tests, written with the SDK: the weather server over stdio (a child process
// that logs each start) and over Streamable HTTP (a loopback server that counts connections).
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
// @ts-expect-error: a plain JavaScript fixture, spawned as is by the stdio tests
import { createWeatherServer as createServerUntyped } from '../fixtures/mcp/weather-server.mjs';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';

export const createWeatherServer = createServerUntyped as () => McpServer;
export const STDIO_SERVER = join(import.meta.dirname, '../fixtures/mcp/stdio-server.mjs');

export async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'tapedeck-mcp-'));
}

/** A stdio transport factory for the weather server (or `script`), and how many times it was spawned. */
export function stdioServer(dir: string, script = STDIO_SERVER): { factory: () => StdioClientTransport; starts: () => Promise<number> } {
  const log = join(dir, 'starts.log');
  return {
    factory: () => new StdioClientTransport({ command: process.execPath, args: [script], env: { MCP_START_LOG: log }, stderr: 'ignore' }),
    starts: async () => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean).length,
  };
}

/** The weather server over Streamable HTTP on 127.0.0.1, stateful, counting the TCP connections made to it. */
export async function startHttpServer(): Promise<{ url: URL; connections: () => number; close: () => Promise<void> }> {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  let connections = 0;
  const server = createServer((req: IncomingMessage, res) => {
    void (async () => {
      const id = req.headers['mcp-session-id'];
      let transport = typeof id === 'string' ? sessions.get(id) : undefined;
      if (transport === undefined) {
        transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID(), onsessioninitialized: (sid) => void sessions.set(sid, transport!) });
        await createWeatherServer().connect(transport);
      }
      await transport.handleRequest(req, res);
    })().catch((error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`),
    connections: () => connections,
    close: async () => {
      await Promise.all([...sessions.values()].map((t) => t.close()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
