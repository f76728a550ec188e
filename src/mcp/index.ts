// tapedeck/mcp: tapes a Model Context Protocol client's requests like tool calls (DESIGN section 13).
// Its own entry point: `tapedeck` itself never loads it, and it loads nothing of the MCP SDK.
import { TapedTransport, type McpTransport, type McpTransportSource } from './transport.js';

export type { McpClientTransport, McpTransport, McpTransportSource, McpSendOptions } from './transport.js';
export type { JsonRpcId, JsonRpcMessage, RecordedExchange } from './messages.js';

/**
 * Wraps an MCP client transport (or a function that makes one) so that inside a cassette every request
 * the client sends is recorded and replayed under the toolId `mcp:<serverName> <method>`
 * (`mcp:weather tools/call get_forecast`, `mcp:weather tools/list`, `mcp:weather initialize`). The inner
 * transport is made and started only when a call must go live, so replay spawns and connects nothing.
 */
export function mcpTransport(serverName: string, transportOrFactory: McpTransportSource): McpTransport {
  if (typeof serverName !== 'string' || !/^\S+$/.test(serverName)) {
    throw new TypeError(`tapedeck: mcpTransport(serverName, transport): serverName must be a non-empty string without spaces (it starts every toolId: "mcp:<serverName> <method>"), got ${JSON.stringify(serverName)}`);
  }
  const isTransport = typeof transportOrFactory === 'object' && transportOrFactory !== null && typeof transportOrFactory.send === 'function' && typeof transportOrFactory.start === 'function';
  if (!isTransport && typeof transportOrFactory !== 'function') {
    throw new TypeError(`tapedeck: mcpTransport(${JSON.stringify(serverName)}, transport): transport must be an MCP client transport (start, send, close) or a function that returns one.`);
  }
  return new TapedTransport(serverName, transportOrFactory);
}
