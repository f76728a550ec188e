// JSON-RPC 2.0 as MCP uses it: what a client request is taped as, and how a recorded exchange is given
// back to the client under the live request's id. Typed structurally, so tapedeck needs no import of
// `@modelcontextprotocol/sdk` (v1) or `@modelcontextprotocol/client` (v2) at run time or in its types.

/** A JSON-RPC request id. */
export type JsonRpcId = string | number;

/** A JSON-RPC 2.0 message as an MCP transport carries it (request, notification or response). */
export interface JsonRpcMessage {
  jsonrpc: '2.0';
  id?: JsonRpcId;
  method?: string;
  params?: { [key: string]: unknown; _meta?: { [key: string]: unknown } };
  result?: { [key: string]: unknown };
  error?: { code: number; message: string; data?: unknown };
}

/** A request: a method and an id (the peer must answer it). */
export type JsonRpcRequest = JsonRpcMessage & { id: JsonRpcId; method: string };

export const isRequest = (m: JsonRpcMessage): m is JsonRpcRequest => typeof m.method === 'string' && m.id !== undefined;
export const isNotification = (m: JsonRpcMessage): boolean => typeof m.method === 'string' && m.id === undefined;
export const isResponse = (m: JsonRpcMessage): m is JsonRpcMessage & { id: JsonRpcId } =>
  m.method === undefined && m.id !== undefined && ('result' in m || 'error' in m);

/**
 * How one request and what the server said while answering it are stored (the entry's `value`):
 * server messages in arrival order (progress notifications without their token), then how it ended.
 */
export interface RecordedExchange {
  /** Notifications and requests the server sent while this request ran, in order. */
  messages?: JsonRpcMessage[];
  /** The reply's `result`. */
  result?: { [key: string]: unknown };
  /** The reply's JSON-RPC `error`, replayed as the same error. */
  error?: { code: number; message: string; data?: unknown };
  /** The client cancelled the request before the server answered: replay answers nothing, as live. */
  cancelled?: true;
  /** The server closed the connection before answering: replay closes the transport, as live. */
  closed?: true;
}

/** Methods whose first parameter is a name the toolId carries, so a miss's nearest calls are the same tool's. */
const NAMED: Record<string, string> = { 'tools/call': 'name', 'prompts/get': 'name' };

/**
 * The call a client request is taped as: toolId `mcp:<server> <method>` (`tools/call` and `prompts/get`
 * add the tool or prompt name), args = the request's params without `_meta.progressToken` (and without
 * the name the toolId already holds). The JSON-RPC id is never part of it.
 */
export function callOf(serverName: string, request: JsonRpcRequest): { toolId: string; args: Record<string, unknown> } {
  const { _meta, ...params } = request.params ?? {};
  const args: Record<string, unknown> = params;
  if (_meta !== undefined) {
    const { progressToken: _token, ...meta } = _meta;
    if (Object.keys(meta).length > 0) args._meta = meta;
  }
  let toolId = `mcp:${serverName} ${request.method}`;
  const nameKey = NAMED[request.method];
  if (nameKey !== undefined && typeof args[nameKey] === 'string') {
    toolId += ` ${args[nameKey]}`;
    delete args[nameKey];
  }
  return { toolId, args };
}

/** The progress token a request asked for, if any (the SDK uses the request id). */
export const progressTokenOf = (request: JsonRpcMessage): unknown => request.params?._meta?.progressToken;

/** A server message as stored: a progress notification loses its token, which replay sets to the live one. */
export function storedMessage(message: JsonRpcMessage): JsonRpcMessage {
  if (message.method !== 'notifications/progress' || message.params === undefined) return message;
  const { progressToken: _token, ...params } = message.params;
  return { ...message, params };
}

/** A stored server message re-addressed to the live request: its progress token set back. */
export function liveMessage(message: JsonRpcMessage, progressToken: unknown): JsonRpcMessage {
  if (message.method !== 'notifications/progress' || progressToken === undefined) return message;
  return { ...message, params: { ...message.params, progressToken } };
}

/** The reply of a recorded exchange, addressed to the live request's id. */
export function liveReply(exchange: RecordedExchange, id: JsonRpcId): JsonRpcMessage | undefined {
  if (exchange.error !== undefined) return { jsonrpc: '2.0', id, error: exchange.error };
  if (exchange.result !== undefined) return { jsonrpc: '2.0', id, result: exchange.result };
  return undefined;
}

/** What a live reply is stored as. */
export function recordedReply(reply: JsonRpcMessage): Pick<RecordedExchange, 'result' | 'error'> {
  return reply.error !== undefined ? { error: reply.error } : { result: reply.result ?? {} };
}
