// The JSON-RPC side of mcpTransport: what a request is keyed as, and how a recording is re-addressed to
// the live request. The transport tests drive the real SDK; these pin the exact shapes.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ToolCallCassette, withCassette } from '../../src/index.js';
import { mcpTransport, type JsonRpcMessage, type McpClientTransport } from '../../src/mcp/index.js';
import { callOf } from '../../src/mcp/messages.js';
import { tempDir } from './helpers.js';

describe('callOf', () => {
  it('keys tools/call and prompts/get by name, never by id or progress token', () => {
    const call = callOf('weather', { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'get_forecast', arguments: { city: 'Paris' }, _meta: { progressToken: 7, traceparent: 't-1' } } });
    expect(call).toEqual({ toolId: 'mcp:weather tools/call get_forecast', args: { arguments: { city: 'Paris' }, _meta: { traceparent: 't-1' } } });
    expect(callOf('weather', { jsonrpc: '2.0', id: 'a', method: 'prompts/get', params: { name: 'ask', arguments: { city: 'Lima' } } })).toEqual({ toolId: 'mcp:weather prompts/get ask', args: { arguments: { city: 'Lima' } } });
    expect(callOf('weather', { jsonrpc: '2.0', id: 1, method: 'tools/list' })).toEqual({ toolId: 'mcp:weather tools/list', args: {} });
    expect(callOf('weather', { jsonrpc: '2.0', id: 2, method: 'resources/read', params: { uri: 'weather://city/Oslo', _meta: { progressToken: 'p' } } })).toEqual({ toolId: 'mcp:weather resources/read', args: { uri: 'weather://city/Oslo' } });
  });
});

/** A server on the other end of a plain transport object: answers tools/call with two progress notifications. */
function scriptedServer(protocolVersion: string): { transport: McpClientTransport; received: JsonRpcMessage[] } {
  const received: JsonRpcMessage[] = [];
  const transport = {
    onmessage: undefined as ((m: JsonRpcMessage) => void) | undefined,
    async start() {},
    async close() {},
    async send(message: JsonRpcMessage) {
      received.push(message);
      if (message.id === undefined) return;
      const reply = (m: JsonRpcMessage) => void setImmediate(() => transport.onmessage?.(m));
      if (message.method === 'initialize') return reply({ jsonrpc: '2.0', id: message.id, result: { protocolVersion, capabilities: {}, serverInfo: { name: 's', version: '1' } } });
      const token = message.params?._meta?.progressToken;
      for (const progress of [1, 2]) reply({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: token, progress } });
      reply({ jsonrpc: '2.0', id: message.id, result: { content: [], echoed: message.params?.arguments } });
    },
  };
  return { transport, received };
}

describe('mcpTransport re-addressing', () => {
  it('answers a replayed request under the live id and progress token, whatever they were when recorded', async () => {
    const path = join(await tempDir(), 'ids.json');
    const session = async (transport: McpClientTransport, id: number | string, token: number | string) => {
      const taped = mcpTransport('raw', transport);
      const seen: JsonRpcMessage[] = [];
      taped.onmessage = (m) => void seen.push(m);
      await taped.start();
      await taped.send({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { x: 1 }, _meta: { progressToken: token } } });
      await new Promise((resolve) => setTimeout(resolve, 20));
      await taped.close();
      return seen;
    };
    const live = scriptedServer('2025-11-25');
    const recorded = await withCassette({ path, mode: 'record', http: false }, () => session(live.transport, 1, 1));
    expect(recorded.map((m) => [m.id, m.params?.progressToken])).toEqual([[undefined, 1], [undefined, 1], [1, undefined]]);
    const gone = scriptedServer('never');
    const replayed = await withCassette({ path, mode: 'replay', http: false }, () => session(gone.transport, 'req-42', 'tok-42'));
    expect(replayed).toEqual([
      { jsonrpc: '2.0', method: 'notifications/progress', params: { progress: 1, progressToken: 'tok-42' } },
      { jsonrpc: '2.0', method: 'notifications/progress', params: { progress: 2, progressToken: 'tok-42' } },
      { jsonrpc: '2.0', id: 'req-42', result: { content: [], echoed: { x: 1 } } },
    ]);
    expect(gone.received).toEqual([]);
  });

  it("leaves the protocol version out of initialize's key with ignore: ['protocolVersion']", async () => {
    const path = join(await tempDir(), 'init.json');
    const handshake = async (transport: McpClientTransport, protocolVersion: string) => {
      const taped = mcpTransport('raw', transport);
      const seen: JsonRpcMessage[] = [];
      taped.onmessage = (m) => void seen.push(m);
      await taped.start();
      await taped.send({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion, capabilities: {}, clientInfo: { name: 'c', version: '1' } } });
      await new Promise((resolve) => setTimeout(resolve, 20));
      return seen;
    };
    const options = { http: false, ignore: ['protocolVersion'] } as const;
    await withCassette({ path, mode: 'record', ...options }, () => handshake(scriptedServer('2025-06-18').transport, '2025-06-18'));
    const replayed = await withCassette({ path, mode: 'replay', ...options }, () => handshake(scriptedServer('x').transport, '2025-11-25'));
    expect(replayed[0]?.result?.protocolVersion).toBe('2025-06-18');
    await expect(withCassette({ path, mode: 'replay', http: false }, () => handshake(scriptedServer('x').transport, '2025-11-25'))).rejects.toMatchObject({ reason: 'cassette-miss' });
  });

  it('refuses a recording that is not an MCP exchange, instead of leaving the request unanswered', async () => {
    const path = join(await tempDir(), 'edited.json');
    const cassette = new ToolCallCassette();
    cassette.record({ toolId: 'mcp:raw tools/call echo', args: { arguments: { x: 1 } }, output: 42 });
    await cassette.save(path);
    const taped = mcpTransport('raw', scriptedServer('x').transport);
    await taped.start();
    const send = withCassette({ path, mode: 'replay', http: false }, () => taped.send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { x: 1 } } }));
    await expect(send).rejects.toMatchObject({ reason: 'corrupt-cassette', toolId: 'mcp:raw tools/call echo' });
  });
});
