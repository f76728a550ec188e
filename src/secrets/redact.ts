// Redaction by name (DESIGN sections 11 and 12): the value of every credential-named header, query
// parameter, form field, multipart part and JSON member becomes `[REDACTED]` before it is hashed or
// stored, so a recording replays with any key. URL path segments are judged by shape (a path has no
// names): a Telegram bot token in `/bot<token>/sendMessage` becomes `[REDACTED]` in the toolId.
import { remembering } from '../memo.js';
import { REDACTED, isPlaceholder, isSecretName, type NamePlace, type RedactOption } from './names.js';
import { percentDecode, secretKind } from './scan.js';

/** Returns a copy of a name -> value record with every secret name's value replaced by {@link REDACTED}. */
export function redactRecord<T>(record: Record<string, T>, extra?: RedactOption, place: NamePlace = 'header'): Record<string, T | string> {
  const out: Record<string, T | string> = {};
  for (const [name, value] of Object.entries(record)) {
    out[name] = isSecretName(name, extra, place) ? (Array.isArray(value) ? (value.map(() => REDACTED) as T) : REDACTED) : value;
  }
  return out;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
};

/**
 * A copy of `value` in which every member with a credential name (at any depth, in plain objects and
 * arrays) has its value replaced by {@link REDACTED}; `value` itself when there is none, so the common
 * case allocates nothing. Other objects (class instances, Maps) are left for `args-not-json` to judge.
 */
export function redactMembers<T>(value: T, extra?: RedactOption): T {
  return redactValue(value, extra, 0) as T;
}

function redactValue(value: unknown, extra: RedactOption | undefined, depth: number): unknown {
  // Deeper than any real payload: the JSON conversion after this reports nesting beyond the engine.
  if (depth > 1000) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const next = redactValue(item, extra, depth + 1);
      if (next !== item) (copy ??= value.slice())[i] = next;
    }
    return copy ?? value;
  }
  if (!isPlainObject(value)) return value;
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const item = value[key];
    // A number or a boolean is never a credential (`use_auth: true`): redacting it would merge calls.
    const next = (typeof item === 'string' || (typeof item === 'object' && item !== null)) && item !== REDACTED && isSecretName(key, extra) ? REDACTED : redactValue(item, extra, depth + 1);
    if (next !== item) {
      copy ??= { ...value };
      Object.defineProperty(copy, key, { value: next, enumerable: true, writable: true, configurable: true });
    }
  }
  return copy ?? value;
}

// A JSON string member `"name": "value"` in JSON text, escaped once more when the JSON sits inside a
// JSON string (`\"name\": \"value\"`). In valid JSON a string followed by `:` is always a member name.
const JSON_STRING_MEMBER = /(\\*")((?:[^"\\]|\\[^"])*?)\1(\s*:\s*)\1((?:[^"\\]|\\.)*?)\1/g;

/** JSON (or JSON-like) text with the value of every string member whose name `isSecret` replaced. */
export function replaceJsonMembers(text: string, isSecret: (name: string) => boolean, replacement: string): string {
  if (!text.includes('"')) return text;
  return text.replace(JSON_STRING_MEMBER, (all, quote: string, name: string, colon: string, value: string) => {
    if (value !== '' && !isPlaceholder(value) && isSecret(name)) return `${quote}${name}${quote}${colon}${quote}${replacement}${quote}`;
    // JSON inside this value (a JSON string holding JSON): its members are looked at too.
    return value.includes('\\"') ? `${quote}${name}${quote}${colon}${quote}${replaceJsonMembers(value, isSecret, replacement)}${quote}` : all;
  });
}

/** JSON (or JSON-like) text with every credential-named string member's value replaced by {@link REDACTED}. */
export function redactJsonText(text: string, extra?: RedactOption): string {
  return replaceJsonMembers(text, (name) => isSecretName(name, extra), REDACTED);
}

/** `a=1&client_secret=…` with every credential-named field's value replaced by {@link REDACTED}. */
export function redactForm(text: string, extra?: RedactOption): string {
  return text
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq === -1) return pair;
      const name = decodeFormName(pair.slice(0, eq));
      return isSecretName(name, extra) && pair.slice(eq + 1) !== '' ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
    })
    .join('&');
}

function decodeFormName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

/**
 * A multipart/form-data body (as latin1 text, byte for byte) with its random boundary replaced by a
 * fixed one (so the same form hashes the same on every run) and the content of every part whose name
 * is a credential replaced by {@link REDACTED}.
 */
export function redactMultipart(body: string, boundary: string, extra?: RedactOption): string {
  const fixed = 'tapedeck-boundary';
  const parts = body.split(`--${boundary}`);
  return parts
    .map((part) => {
      const headEnd = part.indexOf('\r\n\r\n');
      if (headEnd === -1) return part;
      const head = part.slice(0, headEnd);
      const name = /\bname="((?:[^"\\]|\\.)*)"/i.exec(head)?.[1];
      if (name === undefined || !isSecretName(name, extra)) return part;
      const trailing = part.endsWith('\r\n') ? '\r\n' : '';
      return `${head}\r\n\r\n${REDACTED}${trailing}`;
    })
    .join(`--${fixed}`);
}

/**
 * A URL path with every segment that holds a key shape (plain or percent-encoded) replaced by
 * {@link REDACTED}. `host` is looked at with the path, for the shapes that are whole URLs (Slack and
 * Discord webhooks): their last segment is the secret.
 */
export function redactPath(pathname: string, host = ''): string {
  return redactedPath(`${host}\n${pathname}`);
}

// Every call to an API asks about the same few paths: each is scanned for key shapes once.
const redactedPath = remembering((key) => {
  const cut = key.indexOf('\n');
  return scanPath(key.slice(cut + 1), key.slice(0, cut));
});

function scanPath(pathname: string, host: string): string {
  if (secretKind(host + pathname) === undefined) return pathname;
  const segments = pathname
    .split('/')
    .map((segment) => (secretKind(segment) === undefined && secretKind(percentDecode(segment)) === undefined ? segment : REDACTED));
  const last = segments.findLastIndex((s) => s !== '' && s !== REDACTED);
  if (last !== -1 && secretKind(host + segments.join('/')) !== undefined) segments[last] = REDACTED;
  return segments.join('/');
}
