import * as crypto from 'node:crypto';
import { canonicalize } from 'json-canonicalize';
import { ReplayError } from './errors.js';
import { formatPath, type PathSegment } from './json-path.js';

/** A value JSON can represent exactly. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const OMIT = Symbol('omit');

/**
 * How deep a value may nest (objects and arrays): deeper than this the engine's own recursive walkers
 * (`structuredClone` from about 2,000 levels, `JSON.stringify` from about 4,000, less in a worker thread)
 * throw a bare `RangeError`, so tapedeck refuses it first with `args-not-json` / `corrupt-cassette`.
 */
export const MAX_JSON_DEPTH = 1000;

/**
 * Normalises a value the way `JSON.parse(JSON.stringify(value))` would (`toJSON` is called, `undefined`
 * members are dropped, `undefined` array items become `null`, `-0` becomes `0`), but throws
 * `args-not-json` with the JSON path where JSON would silently lose or change data: NaN, ±Infinity,
 * BigInt, functions, symbols, cycles, nesting deeper than {@link MAX_JSON_DEPTH}, a getter or Proxy that
 * throws, a top-level `undefined`, and objects JSON turns into `{}` or strips (see {@link nonPlainProblem}).
 */
export function toJsonValue(value: unknown, root?: string): JsonValue;
/**
 * With `lenient` (used for outputs, which JSON round-trips like `JSON.stringify` does): NaN and ±Infinity
 * become `null`, functions and symbols are dropped, and a top-level `undefined` stays `undefined`.
 * Everything else above still throws: JSON would fail or silently lose it.
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

  // A throwing getter, toJSON or Proxy trap (a revoked Proxy) is the value's problem, named at its path.
  const guarded = <T>(read: () => T): T => {
    try {
      return read();
    } catch (error) {
      if (error instanceof ReplayError) throw error;
      const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return fail(`unreadable (reading it threw ${why})`, 'Pass plain data: a throwing getter or a revoked Proxy cannot be recorded.');
    }
  };

  const walk = (input: unknown, key: string, inArray: boolean): JsonValue | typeof OMIT => {
    let v = input;
    if (v !== null && (typeof v === 'object' || typeof v === 'bigint')) {
      const toJSON = guarded(() => (v as { toJSON?: unknown }).toJSON);
      if (typeof toJSON === 'function') v = guarded(() => (toJSON as (key: string) => unknown).call(v, key));
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
    if (ancestors.has(obj)) return fail('a circular reference', 'Break the cycle, or pass only the fields the call depends on.');
    if (path.length >= MAX_JSON_DEPTH) {
      return fail(`nested deeper than ${MAX_JSON_DEPTH} levels`, 'Flatten it, or pass only the fields the call depends on (e.g. with normalize()).');
    }
    const isArray = guarded(() => Array.isArray(obj));
    if (!isArray) {
      const problem = guarded(() => nonPlainProblem(obj));
      if (problem !== undefined) return fail(problem.what, problem.hint);
    }
    ancestors.add(obj);
    let out: JsonValue;
    if (isArray) {
      const list = obj as unknown[];
      const length = guarded(() => list.length);
      const arr: JsonValue[] = new Array(length);
      for (let i = 0; i < length; i++) {
        path.push(i);
        const item = walk(guarded(() => list[i]), String(i), true);
        arr[i] = item === OMIT ? null : item;
        path.pop();
      }
      out = arr;
    } else {
      const rec: { [key: string]: JsonValue } = {};
      for (const k of guarded(() => Object.keys(obj))) {
        path.push(k);
        const item = walk(guarded(() => (obj as Record<string, unknown>)[k]), k, false);
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

/**
 * True when parsed JSON nests deeper than `max` levels (objects and arrays). Iterative, so any depth
 * `JSON.parse` accepts can be checked: loading a cassette uses it to refuse, as `corrupt-cassette`, data
 * that `structuredClone` or `JSON.stringify` would later fail on with a bare `RangeError`.
 */
export function nestsDeeperThan(value: unknown, max = MAX_JSON_DEPTH): boolean {
  if (value === null || typeof value !== 'object') return false;
  const values: object[] = [value];
  const depths: number[] = [1];
  while (values.length > 0) {
    const node = values.pop()!;
    const depth = depths.pop()!;
    if (depth > max) return true;
    const items: unknown[] = Array.isArray(node) ? node : Object.values(node);
    for (const item of items) {
      if (item !== null && typeof item === 'object') {
        values.push(item);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}

// Built-ins whose contents live in internal slots, not in enumerable members: JSON writes `{}` for them
// (or an index map that forgets the type, for typed arrays), so two different values would share a key.
// Told apart by their internal tag, which also works for objects from another realm (a vm context).
const OPAQUE_HINTS: Record<string, string> = {
  Map: 'convert it first (Object.fromEntries(map), or [...map] to keep key types)',
  Set: 'convert it first ([...set])',
  WeakMap: 'pass the data it holds instead',
  WeakSet: 'pass the data it holds instead',
  WeakRef: 'pass the value it refers to (ref.deref())',
  RegExp: 'pass its source and flags (re.source, re.flags) or String(re)',
  URLSearchParams: 'pass params.toString() or Object.fromEntries(params)',
  Headers: 'pass Object.fromEntries(headers)',
  FormData: 'pass [...formData] or the fields the call depends on',
  Blob: 'read it first (await blob.text() or its bytes as base64)',
  File: 'read it first (await file.text() or its bytes as base64), with its name',
  Promise: 'a missing `await`? Await it and pass the result',
  Error: 'pass { name: error.name, message: error.message } or the fields the call depends on',
  ArrayBuffer: "pass Buffer.from(buffer).toString('base64') or an array of numbers",
  SharedArrayBuffer: "pass Buffer.from(buffer).toString('base64') or an array of numbers",
  DataView: "pass Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('base64')",
};

const tagOf = (value: object): string => Object.prototype.toString.call(value).slice(8, -1);

/** `Object.prototype`, of this realm or another one (a vm context's plain objects). */
function isObjectPrototype(proto: object): boolean {
  if (proto === Object.prototype) return true;
  if (Object.getPrototypeOf(proto) !== null) return false;
  const ctor: unknown = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value;
  return typeof ctor === 'function' && ctor.name === 'Object';
}

/**
 * Why JSON cannot hold a non-array object faithfully, or `undefined` when it can. What counts as plain:
 * an object whose prototype is `Object.prototype` or `null`. Built-ins with internal state (RegExp,
 * URLSearchParams, Headers, Blob, ArrayBuffer and its views, Promise, Error, WeakRef, Map, Set, ...) are
 * refused. A class instance is accepted when its state is public, i.e. it has own enumerable members
 * (JSON writes them, as for `new Point(3, 4)`); one without any (only `#private` fields, or internal slots
 * of an unknown host object) would become `{}` and is refused. (A class that mixes public and `#private`
 * state cannot be detected from outside: give it a `toJSON`.)
 */
export function nonPlainProblem(value: object): { what: string; hint: string } | undefined {
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto === null || isObjectPrototype(proto)) return undefined;
  const tag = tagOf(value);
  const name = constructorName(value) ?? tag;
  if (ArrayBuffer.isView(value) && tag !== 'DataView') {
    return { what: `a ${name}`, hint: `JSON would keep its numbers but not its type; pass Array.from(it), or Buffer.from(it).toString('base64').` };
  }
  const hint = OPAQUE_HINTS[tag] ?? (value instanceof Error ? OPAQUE_HINTS.Error : undefined);
  if (hint !== undefined) return { what: `a ${name}`, hint: `JSON would turn it into {} and lose its contents; ${hint}.` };
  if (Object.keys(value).length === 0) {
    return {
      what: `a ${name} with no public fields`,
      hint: 'JSON would turn it into {} (its state is private or internal); give its class a toJSON(), or pass the data the call depends on.',
    };
  }
  return undefined;
}

function constructorName(value: object): string | undefined {
  const ctor: unknown = (value as { constructor?: unknown }).constructor;
  return typeof ctor === 'function' && ctor.name !== '' ? ctor.name : undefined;
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

/**
 * True when `value` (plain JSON) and `other` (anything, e.g. parsed from a file) have the same canonical
 * JSON text, without building it: the same members in any order, equal strings and finite numbers. A
 * value canonical JSON cannot write (a non-finite number, an `undefined`) is never the same.
 */
export function sameJson(value: JsonValue, other: unknown): boolean {
  if (value === null || typeof value !== 'object') {
    return value === other && (typeof value !== 'number' || Number.isFinite(value));
  }
  if (other === null || typeof other !== 'object') return false;
  if (Array.isArray(value)) {
    if (!Array.isArray(other) || other.length !== value.length) return false;
    for (let i = 0; i < value.length; i++) if (!sameJson(value[i]!, other[i])) return false;
    return true;
  }
  if (Array.isArray(other)) return false;
  const keys = Object.keys(value);
  if (keys.length !== Object.keys(other).length) return false;
  for (const key of keys) {
    if (!Object.hasOwn(other, key) || !sameJson(value[key]!, (other as Record<string, unknown>)[key])) return false;
  }
  return true;
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
  } catch {
    // GENERAL, or a getter / Proxy trap that threw: the general path names the value's path either way.
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
