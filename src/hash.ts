import { createHash } from 'node:crypto';
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
        if (item !== OMIT) rec[k] = item;
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

/** Lowercase hex SHA-256 of the RFC 8785 canonical JSON of a value that is already plain JSON. */
export function hashJson(value: JsonValue): string {
  return createHash('sha256').update(canonicalize(value)).digest('hex');
}

/**
 * The key of a call: lowercase hex SHA-256 of the RFC 8785 (JCS) canonical JSON of `args`, after JSON
 * normalisation (see {@link toJsonValue}). Key order never changes it.
 */
export function argsHash(args: unknown): string {
  return hashJson(toJsonValue(args));
}

/** SHA-256 hex of a string: tool signatures and file fingerprints. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
