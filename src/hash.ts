import * as crypto from 'node:crypto';
import { canonicalize } from 'json-canonicalize';
import { ReplayError } from './errors.js';
import { formatPath, type PathSegment } from './json-path.js';

/** A value JSON can represent exactly. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const OMIT = Symbol('omit');

/**
 * Normalises a value the way `JSON.parse(JSON.stringify(value))` would (`toJSON` is called, `undefined`
 * members are dropped, `undefined` array items become `null`, `-0` becomes `0`), but throws
 * `args-not-json` with the JSON path where JSON would silently lose or change data: NaN, ±Infinity,
 * BigInt, functions, symbols, cycles, Map and Set, and a top-level `undefined`.
 */
export function toJsonValue(value: unknown, root?: string): JsonValue;
/**
 * With `lenient` (used for outputs, which JSON round-trips like `JSON.stringify` does): NaN and ±Infinity
 * become `null`, functions and symbols are dropped, and a top-level `undefined` stays `undefined`.
 * BigInt, cycles, Map and Set still throw: JSON would fail or silently lose them.
 */
export function toJsonValue(value: unknown, root: string, options: { lenient: true }): JsonValue | undefined;
export function toJsonValue(value: unknown, root = 'args', options: { lenient?: boolean } = {}): JsonValue | undefined {
  const lenient = options.lenient === true;
  const path: PathSegment[] = [];
  const ancestors = new Set<object>();

  const fail = (what: string, hint: string): never => {
    const at = formatPath(path, root);
    throw new ReplayError('args-not-json', `tapedeck: ${at} is ${what}, which JSON cannot represent.\n  ${hint}`, {
      jsonPath: at,
    });
  };

  const walk = (input: unknown, key: string, inArray: boolean): JsonValue | typeof OMIT => {
    let v = input;
    if (v !== null && (typeof v === 'object' || typeof v === 'bigint') && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
      v = (v as { toJSON(key: string): unknown }).toJSON(key);
    }
    // JSON.stringify unwraps boxed primitives (`new String('a')` is "a"); Object.keys would not.
    if (v instanceof Number || v instanceof String || v instanceof Boolean || v instanceof BigInt) v = v.valueOf();
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return v;
      case 'number':
        if (!Number.isFinite(v)) return lenient ? null : fail(String(v), 'Replace it with null or a string before the call, or drop it with normalize().');
        return v === 0 ? 0 : v;
      case 'bigint':
        return fail(`a BigInt (${v}n)`, 'Convert it to a string or a number first.');
      case 'undefined':
        if (path.length === 0) return lenient ? OMIT : fail('undefined', 'Pass a JSON value (null, an object, an array...).');
        return inArray ? null : OMIT;
      case 'function':
        if (lenient) return inArray ? null : OMIT;
        return fail('a function', 'Functions cannot be recorded; drop them with normalize().');
      case 'symbol':
        if (lenient) return inArray ? null : OMIT;
        return fail('a symbol', 'Symbols cannot be recorded; drop them with normalize().');
    }
    if (v === null) return null;
    const obj = v as object;
    if (obj instanceof Map || obj instanceof Set || obj instanceof WeakMap || obj instanceof WeakSet) {
      return fail(`a ${obj.constructor.name}`, 'JSON would turn it into {} and lose its contents; convert it (Object.fromEntries, [...set]) first.');
    }
    if (ancestors.has(obj)) return fail('a circular reference', 'Break the cycle, or pass only the fields the call depends on.');
    ancestors.add(obj);
    let out: JsonValue;
    if (Array.isArray(obj)) {
      const arr: JsonValue[] = new Array(obj.length);
      for (let i = 0; i < obj.length; i++) {
        path.push(i);
        const item = walk(obj[i], String(i), true);
        arr[i] = item === OMIT ? null : item;
        path.pop();
      }
      out = arr;
    } else {
      const rec: { [key: string]: JsonValue } = {};
      for (const k of Object.keys(obj)) {
        path.push(k);
        const item = walk((obj as Record<string, unknown>)[k], k, false);
        if (item !== OMIT) setMember(rec, k, item);
        path.pop();
      }
      out = rec;
    }
    ancestors.delete(obj);
    return out;
  };

  const result = walk(value, '', false);
  return result === OMIT ? undefined : result;
}

// Thrown by the fast serialiser for anything it does not handle itself (toJSON, class instances, values
// JSON cannot represent, very deep or cyclic data): the general path handles those, errors included.
const GENERAL = Symbol('general path');
// What JSON.stringify escapes in a string (well-formed JSON.stringify: lone surrogates too). A string
// without any of these serialises as itself in quotes, so the call is skipped.
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
const MAX_FAST_DEPTH = 256;

const quote = (text: string): string => (NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`);

/**
 * RFC 8785 text of plain data (primitives, plain objects, arrays) in one pass, without building the
 * normalised copy `toJsonValue` makes; the same text `canonicalize(toJsonValue(value))` gives (numbers
 * print as ECMAScript does, strings escape as JSON.stringify does, keys sort by UTF-16 code units).
 * Throws {@link GENERAL} for anything else.
 */
function fastCanonical(value: unknown, depth: number): string {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      if (!Number.isFinite(value)) throw GENERAL;
      return String(value); // -0 prints as 0, as JSON.stringify and RFC 8785 do
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    default:
      throw GENERAL;
  }
  if (value === null) return 'null';
  if (depth > MAX_FAST_DEPTH) throw GENERAL; // also how a cycle ends up on the general path
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Array.prototype) {
    const items = value as unknown[];
    let out = '[';
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      out += `${i === 0 ? '' : ','}${item === undefined ? 'null' : fastCanonical(item, depth + 1)}`;
    }
    return `${out}]`;
  }
  if ((proto !== Object.prototype && proto !== null) || typeof (value as { toJSON?: unknown }).toJSON === 'function') throw GENERAL;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length > 1) keys.sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const item = record[key];
    if (item === undefined) continue;
    out += `${first ? '' : ','}${quote(key)}:${fastCanonical(item, depth + 1)}`;
    first = false;
  }
  return `${out}}`;
}

/** The RFC 8785 canonical JSON text of a value that is already plain JSON. */
export function canonicalJson(value: JsonValue): string {
  try {
    return fastCanonical(value, 0);
  } catch (error) {
    if (error !== GENERAL) throw error;
    return canonicalize(value);
  }
}

/** An object that is neither null nor an array: a JSON object's shape. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * `target[key] = value`, except that a `__proto__` key (which JSON.parse makes an ordinary member, e.g. from
 * a request body) stays a member: the assignment would set the object's prototype and drop the field.
 */
export function setMember(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** Lowercase hex SHA-256 of the RFC 8785 canonical JSON of a value that is already plain JSON. */
export function hashJson(value: JsonValue): string {
  return sha256(canonicalJson(value));
}

/**
 * The key of a call: lowercase hex SHA-256 of the RFC 8785 (JCS) canonical JSON of `args`, after JSON
 * normalisation (see {@link toJsonValue}). Key order never changes it.
 */
export function argsHash(args: unknown): string {
  let text: string;
  try {
    text = fastCanonical(args, 0);
  } catch (error) {
    if (error !== GENERAL) throw error;
    text = canonicalize(toJsonValue(args)); // throws args-not-json with the JSON path
  }
  return sha256(text);
}

// crypto.hash (Node >= 20.12) skips the Hash object: half the cost of createHash for a short key, which
// every replayed call and every entry of a loaded cassette pays.
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

/** SHA-256 hex of a string: tool signatures and file fingerprints. */
export function sha256(text: string): string {
  return oneShotHash === undefined ? crypto.createHash('sha256').update(text).digest('hex') : oneShotHash('sha256', text, 'hex');
}
