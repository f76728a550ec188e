import type { Entry } from './format.js';
import { isJsonObject } from './hash.js';

/**
 * Response headers whose value changes on every call and says nothing about the answer: request ids
 * (`x-request-id`, Anthropic's `request-id`, AWS's, Google's), timings (`openai-processing-ms`,
 * `x-envoy-upstream-service-time`, `server-timing`), CDN routing (`cf-ray`, Fastly's `x-served-by`,
 * `x-timer`) and rate-limit counters (`x-ratelimit-*`, `anthropic-ratelimit-*`, the IETF `ratelimit-*`).
 * `retry-after` is not one of them: a test may assert on it.
 */
const VOLATILE_HEADERS = new Set([
  'x-request-id',
  'request-id',
  'x-amzn-requestid',
  'x-amz-request-id',
  'x-amz-id-2',
  'x-amzn-trace-id',
  'x-goog-request-id',
  'x-cloud-trace-context',
  'x-correlation-id',
  'x-trace-id',
  'cf-ray',
  'x-served-by',
  'x-cache-hits',
  'x-timer',
  'age',
  'openai-processing-ms',
  'x-envoy-upstream-service-time',
  'server-timing',
  'ratelimit',
  'ratelimit-policy',
]);
const VOLATILE_PREFIXES = ['x-ratelimit-', 'anthropic-ratelimit-', 'ratelimit-'];

/** True for a response header whose value changes on every call and means nothing (see above). */
export function isVolatileHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return VOLATILE_HEADERS.has(lower) || VOLATILE_PREFIXES.some((prefix) => lower.startsWith(prefix));
}

/**
 * What a recorded result means: the result itself, except, for an HTTP response, the values of volatile
 * headers (their names stay: a header that appears or goes away is a change) and SSE timings
 * (`delayMs`). Two recordings with the same meaning are the same recording.
 */
export function meaningOf(toolId: string, result: Entry['result']): string {
  if (!toolId.startsWith('http:') || !result.ok || !isJsonObject(result.value)) return JSON.stringify(result);
  const { headers, body, ...rest } = result.value;
  const steady = isJsonObject(headers)
    ? Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, isVolatileHeader(name) ? null : value]))
    : headers;
  const sse: unknown = isJsonObject(body) ? body.sse : undefined;
  const timeless = Array.isArray(sse) ? { ...(body as Record<string, unknown>), sse: sse.map((e: unknown) => (isJsonObject(e) ? { ...e, delayMs: undefined } : e)) } : body;
  return JSON.stringify({ ...result, value: { ...rest, headers: steady, body: timeless } });
}
