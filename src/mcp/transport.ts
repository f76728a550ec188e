import { preview } from '../diff.js';
import { ReplayError } from '../errors.js';
import {
  callOf,
  isRequest,
  isResponse,
  liveMessage,
  liveReply,
  progressTokenOf,
  recordedReply,
  storedMessage,
  type JsonRpcId,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type RecordedExchange,
} from './messages.js';
import { activeTape, outsideTape } from './scope.js';

/** Options the MCP SDK passes with a message (`relatedRequestId`, resumption tokens); handed on as they are. */
export type McpSendOptions = Record<string, unknown>;

/** An MCP transport's members, over the types of its messages, send options and message extras. */
interface TransportShape<Message, Options, Extra> {
  start(): Promise<void>;
  send(message: Message, options?: Options): Promise<void>;
  close(): Promise<void>;
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?: ((message: Message, extra?: Extra) => void) | undefined;
  sessionId?: string | undefined;
  setProtocolVersion?: ((version: string) => void) | undefined;
}

/**
 * An MCP client transport, as `@modelcontextprotocol/sdk` (`Transport`) and `@modelcontextprotocol/client`
 * define it: what `mcpTransport` returns, for `client.connect()`.
 */
export type McpTransport = TransportShape<JsonRpcMessage, McpSendOptions, unknown>;

/**
 * The transport `mcpTransport` wraps: stdio, Streamable HTTP, SSE, in-memory, or your own. Its message
 * types are left open (`never`), so the SDK's classes fit whichever SDK version declared them.
 */
export type McpClientTransport = TransportShape<never, never, never>;

/** The transport to tape, or a function that makes it (called only when a call must go live). */
export type McpTransportSource = McpClientTransport | (() => McpClientTransport | Promise<McpClientTransport>);

/** How tapedeck talks to the inner transport. */
type Inner = McpClientTransport & { send(message: JsonRpcMessage, options?: McpSendOptions): Promise<void> };

/** A request sent live and not answered yet, with what the server said meanwhile. */
interface Pending {
  request: JsonRpcRequest;
  messages: JsonRpcMessage[];
  /** False for tapedeck's own handshake with a server started after the client's was replayed. */
  forward: boolean;
  settle: (exchange: RecordedExchange) => void;
  fail: (error: unknown) => void;
}

/**
 * A client transport whose requests are taped like tool calls (DESIGN section 13). The inner transport
 * is made and started only when a call must go live: replay spawns and connects nothing.
 */
export class TapedTransport implements McpTransport {
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?: ((message: JsonRpcMessage, extra?: unknown) => void) | undefined;

  readonly #server: string;
  readonly #source: McpTransportSource;
  #connection: Promise<Inner> | undefined;
  #inner: Inner | undefined;
  readonly #pending = new Map<JsonRpcId, Pending>();
  /** Server requests replayed to the client, waiting for its answer before the replay goes on. */
  readonly #awaitingClient = new Map<JsonRpcId, () => void>();
  /** The client's `initialize`, replayed to it: a server started later gets the same handshake. */
  #initialize: JsonRpcRequest | undefined;
  #handshakeReplayed = false;
  #initialized = false;
  #protocolVersion: string | undefined;
  #started = false;
  #closed = false;

  constructor(serverName: string, source: McpTransportSource) {
    this.#server = serverName;
    this.#source = source;
  }

  /** The inner transport's session id (Streamable HTTP), once it is connected. */
  get sessionId(): string | undefined {
    return this.#inner?.sessionId;
  }

  setProtocolVersion(version: string): void {
    this.#protocolVersion = version;
    this.#inner?.setProtocolVersion?.(version);
  }

  /** Starts nothing: the inner transport starts when the first call goes live. */
  async start(): Promise<void> {
    if (this.#started) throw new Error(`tapedeck: mcpTransport(${JSON.stringify(this.#server)}) is already started: one transport serves one client connection.`);
    this.#started = true;
  }

  async send(message: JsonRpcMessage, options?: McpSendOptions): Promise<void> {
    if (this.#closed) throw new Error(`tapedeck: mcpTransport(${JSON.stringify(this.#server)}) is closed.`);
    if (isRequest(message)) return this.#request(message, options);
    if (isResponse(message)) return this.#answer(message, options);
    return this.#notify(message, options);
  }

  async close(): Promise<void> {
    const inner = await this.#connection?.catch(() => undefined);
    if (inner !== undefined && !this.#closed) await outsideTape(() => inner.close());
    this.#fireClose();
  }

  async #request(request: JsonRpcRequest, options: McpSendOptions | undefined): Promise<void> {
    if (request.method === 'initialize') this.#initialize = request;
    const tape = activeTape();
    if (tape === undefined) {
      // Outside any cassette the client talks to the server as if tapedeck were not there.
      return this.#exchange(this.#connect(), request, options, true).sent;
    }
    let wentLive = false;
    const exchange = await tape({
      ...callOf(this.#server, request),
      live: async (): Promise<RecordedExchange> => {
        wentLive = true;
        const { sent, done } = this.#exchange(this.#connect(), request, options, true);
        await sent;
        return done;
      },
    });
    if (wentLive) return; // the client already got every message as it arrived
    if (!isExchange(exchange)) {
      const { toolId } = callOf(this.#server, request);
      throw new ReplayError('corrupt-cassette', `tapedeck: the recording replayed for ${toolId} is not an MCP exchange (it has no result, error, cancelled or closed): ${preview(exchange, 200)}. fix: re-record the test.`, { toolId });
    }
    if (request.method === 'initialize') this.#handshakeReplayed = true;
    await this.#replay(exchange, request);
  }

  /** Gives a recorded exchange to the client as the server gave it, addressed to the live request. */
  async #replay(exchange: RecordedExchange, request: JsonRpcRequest): Promise<void> {
    const token = progressTokenOf(request);
    for (const stored of exchange.messages ?? []) {
      const message = liveMessage(stored, token);
      if (isRequest(message)) {
        // A server request (sampling, elicitation, roots): the recorded reply came after the client's
        // answer, so the client answers first, as it did live.
        const answered = new Promise<void>((resolve) => this.#awaitingClient.set(message.id, resolve));
        this.onmessage?.(message);
        await answered;
      } else {
        this.onmessage?.(message);
      }
      // The SDK handles a notification a tick after it arrives and a reply at once: the next message
      // waits for the next turn of the event loop, as it would have arrived live.
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (exchange.closed === true) return this.#fireClose();
    const reply = liveReply(exchange, request.id);
    if (reply !== undefined) this.onmessage?.(reply);
  }

  /** Sends a request live; `done` settles with the exchange when the server answers. */
  #exchange(connection: Promise<Inner>, request: JsonRpcRequest, options: McpSendOptions | undefined, forward: boolean) {
    let settle!: (exchange: RecordedExchange) => void;
    let fail!: (error: unknown) => void;
    const done = new Promise<RecordedExchange>((resolve, reject) => {
      settle = resolve;
      fail = reject;
    });
    // A failed send rejects both; whoever awaits `sent` hears of it, so `done` alone never goes unhandled.
    done.catch(() => undefined);
    this.#pending.set(request.id, { request, messages: [], forward, settle, fail });
    const sent = connection
      .then((inner) => outsideTape(() => inner.send(request, options)))
      .catch((error: unknown) => {
        this.#pending.delete(request.id);
        fail(error);
        throw error;
      });
    return { sent, done };
  }

  /** The client answers a server request. */
  async #answer(response: JsonRpcMessage & { id: JsonRpcId }, options: McpSendOptions | undefined): Promise<void> {
    const replayed = this.#awaitingClient.get(response.id);
    if (replayed !== undefined) {
      this.#awaitingClient.delete(response.id);
      return replayed(); // the server that asked is a recording: nobody to send the answer to
    }
    if (this.#connection === undefined) {
      throw new Error(`tapedeck: mcpTransport(${JSON.stringify(this.#server)}): the client answered request ${JSON.stringify(response.id)}, which no server sent.`);
    }
    const inner = await this.#connection;
    await outsideTape(() => inner.send(response, options));
  }

  /** Client notifications are not calls: they reach a server only if one is running. */
  async #notify(notification: JsonRpcMessage, options: McpSendOptions | undefined): Promise<void> {
    if (notification.method === 'notifications/initialized') this.#initialized = true;
    if (notification.method === 'notifications/cancelled') {
      const id = notification.params?.requestId as JsonRpcId | undefined;
      const pending = id === undefined ? undefined : this.#pending.get(id);
      if (pending !== undefined) {
        this.#pending.delete(id!);
        pending.settle({ ...messagesOf(pending), cancelled: true });
      }
    }
    if (this.#connection === undefined) return;
    const inner = await this.#connection;
    await outsideTape(() => inner.send(notification, options));
  }

  #connect(): Promise<Inner> {
    return (this.#connection ??= this.#open());
  }

  async #open(): Promise<Inner> {
    const source = this.#source;
    const inner = (typeof source === 'function' ? await outsideTape(source) : source) as Inner;
    inner.onmessage = (message: JsonRpcMessage, extra: unknown) => this.#fromServer(message, extra);
    inner.onerror = (error) => this.onerror?.(error);
    inner.onclose = () => this.#serverClosed();
    await outsideTape(() => inner.start());
    this.#inner = inner;
    if (this.#handshakeReplayed && this.#initialize !== undefined) await this.#handshake(inner, this.#initialize);
    return inner;
  }

  /**
   * The client's handshake was replayed, so this server, started for a later call, has not had one:
   * send it the same `initialize` (under an id of tapedeck's own) and the `initialized` notification.
   */
  async #handshake(inner: Inner, initialize: JsonRpcRequest): Promise<void> {
    const request = { ...initialize, id: `tapedeck:initialize:${String(initialize.id)}` };
    const { sent, done } = this.#exchange(Promise.resolve(inner), request, undefined, false);
    await sent;
    const exchange = await done;
    if (exchange.result === undefined) {
      const why = exchange.error?.message ?? (exchange.closed ? 'it closed the connection' : 'no answer');
      throw new Error(`tapedeck: the MCP server ${JSON.stringify(this.#server)}, started for a call that was not recorded, refused the initialize handshake replayed to the client: ${why}`);
    }
    if (this.#protocolVersion !== undefined) inner.setProtocolVersion?.(this.#protocolVersion);
    if (this.#initialized) await outsideTape(() => inner.send({ jsonrpc: '2.0', method: 'notifications/initialized' }));
  }

  #fromServer(message: JsonRpcMessage, extra: unknown): void {
    if (isResponse(message)) {
      const pending = this.#pending.get(message.id);
      if (pending !== undefined) {
        this.#pending.delete(message.id);
        pending.settle({ ...messagesOf(pending), ...recordedReply(message) });
        if (!pending.forward) return;
      }
      this.onmessage?.(message, extra);
      return;
    }
    const owner = this.#ownerOf(message);
    owner?.messages.push(storedMessage(message));
    if (owner?.forward === false && !isRequest(message)) return;
    this.onmessage?.(message, extra);
  }

  /**
   * The request a server message belongs to: a progress notification names its request by token; any
   * other message (logging, list changes, a sampling request) goes with the request in flight, the
   * oldest one when several are. A message sent while no request runs is not taped.
   */
  #ownerOf(message: JsonRpcMessage): Pending | undefined {
    if (message.method === 'notifications/progress') {
      const token = message.params?.progressToken;
      for (const pending of this.#pending.values()) if (progressTokenOf(pending.request) === token) return pending;
      return undefined;
    }
    return this.#pending.values().next().value;
  }

  #serverClosed(): void {
    for (const pending of this.#pending.values()) pending.settle({ ...messagesOf(pending), closed: true });
    this.#pending.clear();
    this.#fireClose();
  }

  #fireClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.onclose?.();
  }
}

const isExchange = (value: unknown): value is RecordedExchange =>
  typeof value === 'object' && value !== null && ('result' in value || 'error' in value || 'cancelled' in value || 'closed' in value);

const messagesOf = (pending: Pending): Pick<RecordedExchange, 'messages'> => (pending.messages.length === 0 ? {} : { messages: pending.messages });
