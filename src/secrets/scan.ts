// The pre-write scan: every string of a cassette (object keys included) is looked at as it is and
// through the encodings a key travels in (JSON inside JSON strings, percent-encoding, base64), against
// the catalogue in shapes.ts. The same look serves message masking (mask.ts) and URL path redaction.
import { formatPath, type PathSegment } from '../json-path.js';
import { REDACTED } from './names.js';
import { SECRET_SHAPES, type SecretShape } from './shapes.js';

// The case-insensitive union of every shape matches wherever one of them would (each alone matches a
// subset of it), so one pass rejects the ordinary string; only a string it matches is tried shape by
// shape, to name the kind and run the shapes' second looks.
const ANY = new RegExp(SECRET_SHAPES.map(({ pattern }) => `(?:${pattern.source})`).join('|'), 'i');
const GLOBAL = SECRET_SHAPES.map((shape) => ({ shape, global: new RegExp(shape.pattern.source, `${shape.pattern.flags}g`) }));

/** A match of one shape in a text: where it is and what it is. */
export interface ShapeMatch {
  kind: string;
  start: number;
  end: number;
}

function firstShape(text: string): SecretShape | undefined {
  if (!ANY.test(text)) return undefined;
  for (const shape of SECRET_SHAPES) {
    if (shape.verify === undefined) {
      if (shape.pattern.test(text)) return shape;
      continue;
    }
    const global = new RegExp(shape.pattern.source, `${shape.pattern.flags}g`);
    for (const m of text.matchAll(global)) if (shape.verify(m)) return shape;
  }
  return undefined;
}

/** Every match of every shape in `text`, in the text as written (no decoding). */
export function shapeMatches(text: string): ShapeMatch[] {
  if (!ANY.test(text)) return [];
  const out: ShapeMatch[] = [];
  for (const { shape, global } of GLOBAL) {
    global.lastIndex = 0;
    for (const m of text.matchAll(global)) {
      if (shape.verify === undefined || shape.verify(m)) out.push({ kind: shape.kind, start: m.index, end: m.index + m[0].length });
    }
  }
  return out;
}

// A run of backslashes and the character they escape, whatever the nesting: `\n` in JSON, `\\n` in JSON
// inside JSON (`"{\"delta\":\"line\\nsk-…\"}"`). Blanking the whole run (not one backslash) leaves the
// key standing alone, where blanking `\\` alone would glue the `n` to it (`nsk-…`).
const ESCAPES = /\\+(?:u[0-9a-fA-F]{4}|[^\\u]|$)|\\+u/g;
const PERCENT = /%[0-9A-Fa-f]{2}/;
const PERCENTS = /%[0-9A-Fa-f]{2}/g;
// base64 and base64url runs long enough to hold a key (a 16-character key is 24 base64 characters).
const BASE64_RUN = /[A-Za-z0-9+/_-]{24,}={0,2}/g;

/** `text` with every escape run blanked to spaces of the same length (positions are kept). */
export function blankEscapes(text: string): string {
  return text.replace(ESCAPES, (run) => ' '.repeat(run.length));
}

/** Percent-decoded byte by byte, repeatedly (`%252D` is `%2D` is `-`); malformed sequences stay. */
export function percentDecode(text: string): string {
  let current = text;
  for (let round = 0; round < 3 && PERCENT.test(current); round++) {
    current = current.replace(PERCENTS, (seq) => String.fromCharCode(parseInt(seq.slice(1), 16)));
  }
  return current;
}

/** The decoded form of a base64 (or base64url) run, as latin1; `undefined` when it decodes to noise. */
export function base64Text(run: string): string | undefined {
  const bytes = Buffer.from(run.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (bytes.length < 12) return undefined;
  return bytes.toString('latin1');
}

// What every shape needs, encoded or not: a run of 16 key characters (letters, digits, `_+/=%\\-.:@~`:
// escapes, percent signs and URL user info included, so an encoded key or `scheme://user:pass@host`
// still makes one run) that is not all lower-case hex (a hash or an id: no shape is made of those alone).
// Nearly every string of a cassette has none, and the catalogue is never tried on it. It is a loop that
// looks at every 16th character first and jumps past what cannot start a run: a RegExp for the same
// runs rescans each run from every position in it (3-4x slower on a real cassette; bench/README).
// test/secrets/shapes.test.ts holds every shape to it.
const KEY_CHAR = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZghijklmnopqrstuvwxyz_+/=%\\-.:@~') KEY_CHAR[c.charCodeAt(0)] = 2;
for (const c of '0123456789abcdef') KEY_CHAR[c.charCodeAt(0)] = 1;
const keyChar = (text: string, i: number): number => {
  const code = text.charCodeAt(i);
  return code < 128 ? KEY_CHAR[code]! : 0;
};

const AUTH_SCHEME = /(?:Bearer|Basic)\s+$/i;

/** True when `text` could hold a credential; false means no shape can match it, encoded or not. */
export function maySecret(text: string): boolean {
  const n = text.length;
  let i = 0;
  while (i + 16 <= n) {
    // Is text[i, i+16) all key characters? Look from its end: a break at j means no run starts before j+1.
    let j = i + 15;
    while (j >= i && keyChar(text, j) !== 0) j--;
    if (j >= i) {
      i = j + 1;
      continue;
    }
    let end = i;
    let notHex = false;
    for (let kind = keyChar(text, end); kind !== 0; kind = end < n ? keyChar(text, end) : 0) {
      if (kind === 2) notHex = true;
      end++;
    }
    // A hex token is a credential only where the text says so (`Bearer 0123…`, `Basic …`).
    if (notHex || AUTH_SCHEME.test(text.slice(Math.max(0, i - 8), i))) return true;
    i = end + 1;
  }
  return false;
}

/**
 * The kind of credential `text` holds, looked at as written and through the encodings a key travels
 * in: escapes (JSON inside JSON), percent-encoding, base64; `undefined` when it holds none.
 */
export function secretKind(text: string, depth = 0): string | undefined {
  if (!maySecret(text)) return undefined;
  const direct = firstShape(text);
  if (direct !== undefined) return direct.kind;
  if (text.includes('\\')) {
    const kind = firstShape(blankEscapes(text));
    if (kind !== undefined) return kind.kind;
  }
  if (PERCENT.test(text)) {
    const decoded = percentDecode(text);
    const kind = firstShape(decoded) ?? firstShape(blankEscapes(decoded));
    if (kind !== undefined) return kind.kind;
  }
  if (depth < 2 && text.length >= 24) {
    BASE64_RUN.lastIndex = 0;
    for (const m of text.matchAll(BASE64_RUN)) {
      const decoded = base64Text(m[0]);
      const kind = decoded === undefined ? undefined : secretKind(decoded, depth + 1);
      if (kind !== undefined) return kind;
    }
  }
  return undefined;
}

/** A string that looks like a credential, and where it is. */
export interface SecretFinding {
  jsonPath: string;
  kind: string;
}

/** Finds every string (object keys included) in a JSON value that looks like an API key or token. */
export function findSecrets(value: unknown, root = '$'): SecretFinding[] {
  const findings: SecretFinding[] = [];
  const path: PathSegment[] = [];
  const keyKinds = new Map<string, string | undefined>();
  // Short strings repeat across entries (toolIds, content types, field names): each is scanned once.
  const seen = new Map<string, string | undefined>();
  const kindOf = (text: string): string | undefined => {
    if (!maySecret(text)) return undefined;
    if (text.length > 256) return secretKind(text);
    let kind = seen.get(text);
    if (kind === undefined && !seen.has(text)) seen.set(text, (kind = secretKind(text)));
    return kind;
  };
  const report = (kind: string | undefined): void => {
    if (kind !== undefined) findings.push({ jsonPath: formatPath(path, root), kind });
  };
  const walk = (v: unknown): void => {
    if (typeof v === 'string') report(kindOf(v));
    else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        path.push(i);
        walk(v[i]);
        path.pop();
      }
    } else if (v !== null && typeof v === 'object') {
      for (const k of Object.keys(v)) {
        // A key that is itself a credential shows as a placeholder: paths are printed, and logs are kept.
        // Keys repeat across entries (role, content, ...): each distinct one is scanned once.
        let keyKind = keyKinds.get(k);
        if (keyKind === undefined && !keyKinds.has(k)) keyKinds.set(k, (keyKind = kindOf(k)));
        path.push(keyKind === undefined ? k : REDACTED);
        report(keyKind);
        const item = (v as Record<string, unknown>)[k];
        const before = findings.length;
        walk(item);
        // A key streamed in pieces (`"sk-pro"`, `"j-…"`) is whole only in the stream's text.
        if (k === 'sse' && Array.isArray(item) && findings.length === before) report(streamKind(item));
        path.pop();
      }
    }
  };
  walk(value);
  return findings;
}

/**
 * The kind of credential an SSE stream spells across its events: the n-th string value of every event
 * (`choices[0].delta.content`, ...: the events of one stream share their shape) joined in event order,
 * and the data of events that are not JSON joined as it comes. String values are read with a RegExp,
 * not JSON.parse: this runs on every stream of every cassette written, and parsing tripled the scan.
 */
function streamKind(events: unknown[]): string | undefined {
  const joined: string[] = [];
  const last: string[] = [];
  let plain = '';
  for (const event of events) {
    const data = (event as { data?: unknown } | null)?.data;
    if (typeof data !== 'string') continue;
    if (!data.startsWith('{') && !data.startsWith('[')) {
      plain += data;
      continue;
    }
    let n = 0;
    STRING_VALUE.lastIndex = 0;
    for (let m = STRING_VALUE.exec(data); m !== null; m = STRING_VALUE.exec(data), n++) {
      // A value repeated by every event (the stream's id, its model) is said once, not glued to itself.
      if (last[n] === m[1]) continue;
      last[n] = m[1]!;
      joined[n] = (joined[n] ?? '') + m[1]!;
    }
  }
  for (const text of plain === '' ? joined : [...joined, plain]) {
    if (text === undefined || !maySecret(text)) continue;
    const kind = secretKind(text);
    if (kind !== undefined) return kind;
  }
  return undefined;
}
const STRING_VALUE = /:\s*"((?:[^"\\]|\\.)*)"/g;

/** `an OpenAI API key`, `a private key`. */
export function withArticle(kind: string): string {
  return `${/^[AEIOU]/i.test(kind) ? 'an' : 'a'} ${kind}`;
}
