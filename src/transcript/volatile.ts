// Values that change on every recording and mean nothing: provider ids, timestamps, request ids, rate
// limit counters, SSE timings. A re-record that changes only these says the same thing.
import { isJsonObject, setMember } from '../hash.js';
import { parsePath } from '../json-path.js';

/** Ids providers mint per response or call: `chatcmpl-…`, `call_…`, `toolu_…`, `msg_…`, `resp_…`, `fc_…`. */
const VOLATILE_ID = /^(?:chatcmpl|call|toolu|srvtoolu|msg|resp|rs|fc|ctc|req|run|item|gen|batch)[-_][A-Za-z0-9_-]{1,}$/;

/** Members whose value is a timestamp, an id or a timing, whatever it looks like. */
const VOLATILE_KEYS = new Set([
  'id',
  'created',
  'created_at',
  'completed_at',
  'system_fingerprint',
  'responseId',
  'request_id',
  'sequence_number',
  'call_id',
  'tool_call_id',
  'tool_use_id',
  'item_id',
  'delayMs',
  'recordedAt',
]);

/** Response headers that differ on every call (DESIGN section 11). */
const VOLATILE_HEADER = /^(?:x-request-id|request-id|openai-processing-ms|openai-version|cf-ray|cf-cache-status|date|etag|server-timing|x-envoy-upstream-service-time|(?:x-|anthropic-)?ratelimit-.*|x-ratelimit-.*|retry-after)$/i;

/** Whether a string is an id a provider mints per call. */
export function isVolatileId(value: unknown): value is string {
  return typeof value === 'string' && VOLATILE_ID.test(value);
}

/**
 * Whether a difference at `path` (a JSON path as `diffJson` writes it) between `a` and `b` is a value
 * that changes on every recording: a volatile member, a per-call header, or two ids of the same kind.
 */
export function isVolatileChange(path: string, a: unknown, b: unknown): boolean {
  const segments = parsePath(path);
  const last = segments.at(-1);
  if (typeof last === 'string' && VOLATILE_KEYS.has(last)) return true;
  if (typeof last === 'string' && segments.at(-2) === 'headers' && VOLATILE_HEADER.test(last)) return true;
  if (typeof last === 'number' && segments.at(-2) !== undefined && segments.at(-3) === 'headers' && VOLATILE_HEADER.test(String(segments.at(-2)))) return true;
  return isVolatileId(a) && isVolatileId(b) && a.split(/[-_]/)[0] === b.split(/[-_]/)[0];
}

/** A copy of a JSON value with volatile members and ids replaced by a placeholder: what is compared. */
export function withoutVolatile(value: unknown): unknown {
  if (isVolatileId(value)) return `${value.split(/[-_]/)[0]}…`;
  if (Array.isArray(value)) return value.map(withoutVolatile);
  if (!isJsonObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) setMember(out, key, VOLATILE_KEYS.has(key) ? '…' : withoutVolatile(item));
  return out;
}
