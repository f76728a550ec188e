import { REDACTED, isSecretName, redactForm, redactJsonText, redactMembers, redactMultipart, redactPath, type RedactOption } from '../secrets/index.js';
import type { Scrub } from '../config.js';
import { MAX_JSON_DEPTH, nestsDeeperThan, type JsonValue } from '../hash.js';

/** How an HTTP call is keyed: `http:<METHOD> <origin><pathname>` plus `{ query, body, headers? }`. */
export interface HttpCallKey {
  toolId: string;
  args: HttpArgs;
}

/** The args of an HTTP call (DESIGN section 3). */
export interface HttpArgs {
  query: Record<string, string | string[]>;
  /** Parsed JSON, text, `{ base64 }` for binary, or `null` when there is none. */
  body: JsonValue;
  /** Only the headers named in `matchHeaders`, lower-cased, secrets redacted. */
  headers?: Record<string, string>;
}

/** One server-sent event as stored. */
export interface SseEvent {
  data: string;
  event?: string;
  id?: string;
  retry?: number;
  /** Milliseconds since the previous event (or the response head) when recorded. */
  delayMs?: number;
}

/** A recorded response body. */
export type StoredBody = { json: JsonValue } | { text: string } | { base64: string } | { sse: SseEvent[] };

/** A recorded response (DESIGN section 3). */
export interface StoredResponse {
  status: number;
  statusText: string;
  headers: Record<string, string | string[]>;
  body: StoredBody;
}

/** Options that shape keys and recordings. */
export interface ExchangeOptions {
  matchHeaders?: readonly string[];
  redact?: RedactOption;
  /** Rewrites a response before it is stored (the `scrub` option, DESIGN section 12). */
  scrub?: Scrub;
}

// Stored bodies are decoded, so these would lie on replay; hop-by-hop ones describe the old connection.
const DROPPED_RESPONSE_HEADERS = new Set([
  'content-encoding',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'te',
  'trailer',
  'upgrade',
  // Changes on every call, so a re-recording of an unchanged run would never be byte-identical.
  'date',
]);

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

const isJsonType = (type: string): boolean => /^application\/(?:[\w.+-]*\+)?json\b/i.test(type) || /^text\/json\b/i.test(type);
const isTextType = (type: string): boolean =>
  /^text\//i.test(type) || /^application\/(?:[\w.+-]*\+)?(?:xml|javascript|x-www-form-urlencoded|graphql|x-ndjson)\b/i.test(type);

/**
 * What tapedeck reads of an outgoing request to key it: the same for a `Request` the interceptors made
 * ({@link outgoingOf}) and for fetch's own arguments when tapedeck answers fetch directly (fetch-front.ts),
 * so both give a call the same key.
 */
export interface OutgoingRequest {
  /** As the client gave it (the key upper-cases it). */
  readonly method: string;
  /** The absolute URL, serialized (`Request#url`). */
  readonly url: string;
  header(name: string): string | null;
  /** The body, read once: its bytes, or the well-formed text they are the UTF-8 of; `null` when there is none. */
  bytes(): RequestBody | null | Promise<RequestBody | null>;
}

/** A request body: its bytes, or the text whose UTF-8 encoding they are (fetch's own string body). */
export type RequestBody = Uint8Array | string;

/** The key of an outgoing request. */
export async function requestToCall(request: OutgoingRequest, options: ExchangeOptions): Promise<HttpCallKey> {
  return keyOf(request, await request.bytes(), options);
}

/** The key of an outgoing request whose body has been read (see {@link OutgoingRequest.bytes}). */
export function keyOf(request: OutgoingRequest, body: RequestBody | null, options: ExchangeOptions): HttpCallKey {
  const url = new URL(request.url);
  const query: Record<string, string | string[]> = {};
  for (const [name, raw] of url.searchParams) {
    const value = isSecretName(name, options.redact) ? REDACTED : raw;
    const existing = query[name];
    if (existing === undefined) query[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else query[name] = [existing, value];
  }
  const args: HttpArgs = { query, body: readRequestBody(body, request.header('content-type') ?? '', options) };
  if (options.matchHeaders && options.matchHeaders.length > 0) {
    const headers: Record<string, string> = {};
    for (const name of options.matchHeaders) {
      const value = request.header(name);
      if (value !== null) headers[name.toLowerCase()] = isSecretName(name, options.redact, 'header') ? REDACTED : value;
    }
    args.headers = headers;
  }
  // A key in the path (a Telegram bot token, a webhook URL) would be in the toolId: redacted by shape.
  return { toolId: `http:${request.method.toUpperCase()} ${url.origin}${redactPath(url.pathname, url.host)}`, args };
}

// The body bytes read from each intercepted request. They are read once from the request itself: a
// `clone()` tees the body stream, which cost about 200 µs a call, as much as the rest of a replay. The
// live request of a recording is rebuilt from these bytes (route.ts).
const readBodies = new WeakMap<Request, Uint8Array>();

/** The body bytes an {@link outgoingOf} view read from `request` (consumed), or `undefined` when it read none. */
export function readBodyOf(request: Request): Uint8Array | undefined {
  return readBodies.get(request);
}

/** An intercepted `Request` as tapedeck reads it; its body is read (consumed) once, kept for {@link readBodyOf}. */
export function outgoingOf(request: Request): OutgoingRequest {
  return {
    method: request.method,
    url: request.url,
    header: (name) => request.headers.get(name),
    async bytes() {
      if (request.body === null) return null;
      const bytes = new Uint8Array(await request.arrayBuffer());
      readBodies.set(request, bytes);
      return bytes;
    },
  };
}

function readRequestBody(body: RequestBody | null, contentType: string, options: ExchangeOptions): JsonValue {
  if (body === null || body.length === 0) return null;
  const boundary = /^multipart\/form-data\b.*?;\s*boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (boundary !== undefined) {
    // Byte for byte (latin1), so binary parts survive; stored as text when the result is UTF-8.
    const redacted = Buffer.from(redactMultipart(Buffer.from(body).toString('latin1'), boundary, options.redact), 'latin1');
    return utf8OrNull(redacted) ?? { base64: redacted.toString('base64') };
  }
  return redactBody(decodeBody(body, contentType, true), contentType, options.redact);
}

/** A decoded body with its credential-named members (JSON, JSON text, form fields) redacted. */
function redactBody(body: JsonValue, contentType: string, extra: RedactOption | undefined): JsonValue {
  if (typeof body !== 'string') return redactMembers(body, extra);
  if (/^application\/x-www-form-urlencoded\b/i.test(contentType)) return redactForm(body, extra);
  return redactJsonText(body, extra);
}

/**
 * JSON is parsed (so it hashes canonically) when parsing loses nothing (see {@link parsesExactly}), text
 * stays text, anything else is base64.
 */
function decodeBody(body: RequestBody, contentType: string, asValue: true): JsonValue;
function decodeBody(body: RequestBody, contentType: string, asValue: false): StoredBody;
function decodeBody(body: RequestBody, contentType: string, asValue: boolean): JsonValue | StoredBody {
  const text = typeof body === 'string' ? body : utf8OrNull(body);
  if (text !== null && (isJsonType(contentType) || (contentType === '' && /^\s*[{[]/.test(text)))) {
    let json: JsonValue | undefined;
    try {
      json = JSON.parse(text) as JsonValue;
    } catch {
      /* declared JSON but is not: keep the text */
    }
    if (json !== undefined && (printsAs(json, text) || parsesExactly(text))) return asValue ? json : { json };
  }
  if (text !== null && (isTextType(contentType) || isJsonType(contentType) || contentType === '')) return asValue ? text : { text };
  const base64 = Buffer.from(body).toString('base64');
  return { base64 };
}

/**
 * The quick case of {@link parsesExactly}: `text` is exactly what `JSON.stringify` prints for the value it
 * parsed to (as it is for a body an SDK serialised), so parsing lost nothing (a repeated key, a number a
 * double cannot hold, `-0` would each print differently), and it nests no deeper than allowed (a text that
 * short cannot, else checked on the value).
 */
function printsAs(json: JsonValue, text: string): boolean {
  return JSON.stringify(json) === text && (text.length <= 2 * MAX_JSON_DEPTH || !nestsDeeperThan(json, MAX_JSON_DEPTH));
}

// A JSON token: a string, a number, or a structural character (the text is already valid JSON).
const JSON_TOKEN = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|[{}[\]:]/g;

/**
 * True when `JSON.stringify(JSON.parse(text))` means exactly what `text` says (valid JSON assumed), so the
 * body can be stored as JSON: every number keeps its decimal value through a double (not
 * `1050118621198921728`, which comes back `…700`, nor `-0` or `1e400`), no object repeats a key (JSON.parse
 * keeps the last one and drops the other), and nesting stays within {@link MAX_JSON_DEPTH}. Otherwise the
 * body is stored as text, byte for byte. One pass, no recursion.
 */
export function parsesExactly(text: string): boolean {
  // Each open object's keys so far (null for an array); a string followed by ':' is a key.
  const open: Array<Set<string> | null> = [];
  let pendingKey: string | undefined;
  JSON_TOKEN.lastIndex = 0;
  for (let match = JSON_TOKEN.exec(text); match !== null; match = JSON_TOKEN.exec(text)) {
    const token = match[0];
    const first = token.charCodeAt(0);
    if (first === 0x22 /* " */) {
      pendingKey = token;
    } else if (token === ':') {
      const keys = open[open.length - 1];
      const key = pendingKey!.includes('\\') ? (JSON.parse(pendingKey!) as string) : pendingKey!.slice(1, -1);
      if (keys === null || keys === undefined || keys.has(key)) return false;
      keys.add(key);
    } else if (token === '{' || token === '[') {
      open.push(token === '{' ? new Set() : null);
      if (open.length > MAX_JSON_DEPTH) return false;
    } else if (token === '}' || token === ']') {
      open.pop();
    } else if (!sameDecimal(token, String(Number(token)))) {
      return false;
    }
  }
  return true;
}

/** Whether two JSON number texts denote the same decimal value (`1.50` and `1.5e0` do; `-0` and `0` do not). */
function sameDecimal(a: string, b: string): boolean {
  return a === b || decimalKey(a) === decimalKey(b);
}

/** `-12.50e3` -> `-1.25e4` style key: sign, significant digits without trailing zeros, decimal exponent. */
function decimalKey(number: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(number);
  if (match === null) return number; // Infinity, NaN: never equal to a JSON number text
  const [, sign, int, frac = '', exp = '0'] = match;
  const digits = `${int}${frac}`;
  const lead = digits.search(/[1-9]/);
  if (lead === -1) return `${sign}0`;
  const significant = digits.slice(lead).replace(/0+$/, '');
  // Exponent of the first significant digit: position of the point relative to it.
  const exponent = Number(exp) + int!.length - lead - 1;
  return `${sign}${significant}e${exponent}`;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
function utf8OrNull(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

/** Reads a live response completely into its stored form (SSE event by event, with timings). */
export async function responseToStored(response: Response, options: ExchangeOptions, toolId = ''): Promise<StoredResponse> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (DROPPED_RESPONSE_HEADERS.has(name) || name === 'set-cookie') return;
    headers[name] = isSecretName(name, options.redact, 'header') ? REDACTED : value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies.map(() => REDACTED);
  const contentType = response.headers.get('content-type') ?? '';
  let body: StoredBody;
  let bytes: Uint8Array | undefined;
  if (/^text\/event-stream\b/i.test(contentType) && response.body !== null) {
    // A stream is handed to the client as its recorded events, live too, one chunk per event: the chunks
    // a client sees live are the ones it will see replayed.
    body = { sse: (await readEvents(response.body)).map((e) => ({ ...e, data: redactJsonText(e.data, options.redact) })) };
  } else {
    bytes = new Uint8Array(await response.arrayBuffer());
    body = bytes.byteLength === 0 ? { text: '' } : decodeBody(bytes, contentType, false);
    if ('json' in body) body = { json: redactMembers(body.json, options.redact) };
    else if ('text' in body) body = { text: redactBody(body.text, contentType, options.redact) as string };
  }
  const built: StoredResponse = { status: response.status, statusText: response.statusText, headers, body };
  const stored = options.scrub === undefined ? built : (options.scrub(built, { toolId }) as StoredResponse);
  if (bytes !== undefined) liveBodies.set(stored, bytes);
  return stored;
}

/**
 * The exact body bytes of each response just read live, by its stored form. While recording, the client
 * reads these (see {@link storedToResponse}), not a re-serialisation of what was stored: what it reads live
 * is what the server sent (redaction and `scrub` change only what is stored). A replay builds its response
 * from the recording (a copy), never from here.
 */
const liveBodies = new WeakMap<StoredResponse, Uint8Array>();

/** Parses a text/event-stream as it arrives, recording the gap before each event. */
async function readEvents(stream: ReadableStream<Uint8Array>): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  let last = performance.now();
  let current: SseEvent | null = null;
  let hasData = false;
  const dispatch = (): void => {
    hasData = false;
    if (current === null) return;
    const now = performance.now();
    current.delayMs = Math.max(0, Math.round(now - last));
    last = now;
    events.push(current);
    current = null;
  };
  const line = (text: string): void => {
    if (text === '') return dispatch();
    if (text.startsWith(':')) return; // comment / keep-alive
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    current ??= { data: '' };
    if (field === 'data') {
      current.data = hasData ? `${current.data}\n${value}` : value;
      hasData = true;
    } else if (field === 'event') current.event = value;
    else if (field === 'id') current.id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) current.retry = Number(value);
  };
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
    let match: RegExpExecArray | null;
    const eol = /\r\n|\r(?!$)|\n/g;
    let consumed = 0;
    while ((match = eol.exec(buffer)) !== null) {
      line(buffer.slice(consumed, match.index));
      consumed = match.index + match[0].length;
    }
    buffer = buffer.slice(consumed);
    if (done) break;
  }
  if (buffer !== '') line(buffer);
  dispatch();
  return events;
}

/** Renders one stored event in text/event-stream syntax. */
export function renderEvent(event: SseEvent): string {
  let out = '';
  if (event.event !== undefined) out += `event: ${event.event}\n`;
  if (event.id !== undefined) out += `id: ${event.id}\n`;
  if (event.retry !== undefined) out += `retry: ${event.retry}\n`;
  for (const part of event.data.split('\n')) out += `data: ${part}\n`;
  return `${out}\n`;
}

const encoder = new TextEncoder();

/**
 * Builds the `Response` a recorded exchange replays as; SSE is a real stream, one event per chunk. `As` is
 * the class to build (the front's own, see fetch-front.ts; default the global one).
 */
export function storedToResponse(stored: StoredResponse, options: { replayDelays?: boolean } = {}, As: typeof Response = Response): Response {
  // Pairs, in their recorded order: one conversion inside the constructor instead of a Headers object
  // and a set() per header (each wrapped by the interceptors' raw-header bookkeeping while they run).
  const headers: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(stored.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.push([name, v]);
    else headers.push([name, value]);
  }
  // 200 is the default status: not passing it skips a WebIDL conversion per replayed response.
  const init: ResponseInit = stored.status === 200 ? { statusText: stored.statusText, headers } : { status: stored.status, statusText: stored.statusText, headers };
  if (NULL_BODY_STATUSES.has(stored.status)) return new As(null, init);
  const live = liveBodies.get(stored);
  if (live !== undefined) return new As(live, init);
  const body = stored.body;
  if ('sse' in body) {
    const events = body.sse;
    if (options.replayDelays !== true) {
      // Without delays, every event is queued at once, still one chunk per event: a reader sees the same
      // chunks, without a pull round trip before each one.
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (const event of events) controller.enqueue(encoder.encode(renderEvent(event)));
          controller.close();
        },
      });
      return new As(stream, init);
    }
    let next = 0;
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const event = events[next++];
        if (event === undefined) return controller.close();
        if (event.delayMs) await new Promise((resolve) => setTimeout(resolve, event.delayMs));
        controller.enqueue(encoder.encode(renderEvent(event)));
      },
    });
    return new As(stream, init);
  }
  if ('json' in body) return new As(JSON.stringify(body.json), init);
  if ('text' in body) return new As(body.text, init);
  return new As(Buffer.from(body.base64, 'base64'), init);
}

/**
 * What `verify` compares of a response: status and body. Headers (dates, request ids) and SSE timings
 * change on every call. A stream of text is compared as its concatenated data, since chunking is not
 * meaning. A stream of JSON events (every LLM API) is compared event by event, parsed, so that fields
 * that change on every call (`id`, `created`) can be left out with `verifyIgnore: ['body.sse.*.id']`:
 * their concatenated text could never match, whatever was ignored. Non-JSON events in it (`[DONE]`)
 * stay strings.
 */
export function verifyView(stored: unknown): unknown {
  const response = stored as StoredResponse;
  const body = response.body;
  if (!('sse' in body)) return { status: response.status, body };
  const parsed = body.sse.map((e) => parseJsonEvent(e.data));
  // A JSON stream: some event is a JSON object, and none merely looks like the start of one.
  const isJsonStream = parsed.some((p) => p !== undefined) && body.sse.every((e, i) => parsed[i] !== undefined || !/^\s*\{/.test(e.data));
  return { status: response.status, body: { sse: isJsonStream ? parsed.map((p, i) => p ?? body.sse[i]!.data) : body.sse.map((e) => e.data).join('') } };
}

function parseJsonEvent(data: string): JsonValue | undefined {
  if (!/^\s*\{/.test(data)) return undefined;
  try {
    return JSON.parse(data) as JsonValue;
  } catch {
    return undefined;
  }
}
