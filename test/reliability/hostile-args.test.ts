// Hostile args and outputs: the key of a call depends only on its JSON meaning, values JSON cannot hold
// behave as src/hash.ts (toJsonValue) documents, and any JSON output comes back from disk as it went in.
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReplayError, ToolCallCassette, argsHash, tool, toJsonValue, withCassette } from '../../src/index.js';
import { note, removeDir, runs, tempDir } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('hostile-args');
});
afterAll(async () => {
  await removeDir(dir);
});

/** Sets a member the way JSON.parse does, so `__proto__` is a field like any other. */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

// Keys that break naive code: prototype names, numeric-looking keys (sorted first by JS), escapes,
// lone surrogates, precomposed vs decomposed é (different keys), the empty key.
const hostileKey = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'prototype', '', '0', '10', '9', '-1', '\ud800', '\udfff', '\u2028', '"', '\\', 'é', 'e\u0301', '\u0000'),
);
const hostileString = fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom('\ud800', 'a\udfffb', '\ud83d\ude00', '\u2028\u2029', '\u0000', '</script>', '[REDACTED]'));
const number = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.constantFrom(0, -0, 1e21, 1e-7, 5e-324, Number.MAX_VALUE, Number.MAX_SAFE_INTEGER + 2, 0.1 + 0.2));
const jsonValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, hostileString, number, fc.boolean(), fc.constant(null), tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 5 }),
  object: fc.array(fc.tuple(hostileKey, tie('value')), { maxLength: 6 }).map((members) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of members) define(out, k, v);
    return out;
  }),
})).value;

/** The same data with every object's keys inserted in another order. */
function permute(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v, i) => permute(v, seed + i));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  for (let i = keys.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const j = seed % (i + 1);
    [keys[i], keys[j]] = [keys[j]!, keys[i]!];
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) define(out, k, permute((value as Record<string, unknown>)[k], seed));
  return out;
}

/** What JSON gives back for -0 is 0; everything else in JSON data must come back unchanged. */
function withoutNegativeZero(value: unknown): unknown {
  if (Object.is(value, -0)) return 0;
  if (Array.isArray(value)) return value.map(withoutNegativeZero);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) define(out, k, withoutNegativeZero(v));
  return out;
}

describe('args hashing (fast-check)', () => {
  it('any JSON value hashes the same under key permutation and a JSON.parse(JSON.stringify()) round trip', () => {
    const numRuns = runs(1000);
    fc.assert(
      fc.property(jsonValue, fc.nat(), (value, seed) => {
        const hash = argsHash(value);
        expect(hash).toMatch(/^[0-9a-f]{64}$/);
        expect(argsHash(permute(value, seed))).toBe(hash);
        expect(argsHash(JSON.parse(JSON.stringify(value)))).toBe(hash);
        // And it is a key: the stored, normalised args hash to it too.
        expect(argsHash(toJsonValue(value))).toBe(hash);
      }),
      { numRuns },
    );
    note(`hostile args: ${numRuns} JSON values hashed identically under key permutation and a JSON round trip`);
  });

  it('adding a member under any key changes the key of the call (no field is lost on the way to the hash)', () => {
    const numRuns = runs(500);
    fc.assert(
      fc.property(jsonValue, hostileKey, jsonValue, (base, key, value) => {
        const before: Record<string, unknown> = base !== null && typeof base === 'object' && !Array.isArray(base) ? (base as Record<string, unknown>) : {};
        fc.pre(!Object.prototype.hasOwnProperty.call(before, key));
        const after = { ...before };
        define(after, key, value);
        expect(argsHash(after)).not.toBe(argsHash(before));
        expect(toJsonValue(after)).toEqual(withoutNegativeZero(after));
      }),
      { numRuns },
    );
    // The keys JS treats specially are data like any other.
    const members = (key: string) => {
      const o: Record<string, unknown> = { a: 1 };
      define(o, key, { polluted: true });
      return o;
    };
    for (const key of ['__proto__', 'constructor', 'toString', 'prototype']) {
      expect(argsHash(members(key)), key).not.toBe(argsHash({ a: 1 }));
      expect(argsHash(JSON.parse(`{"a":1,"${key}":{"polluted":true}}`)), key).toBe(argsHash(members(key)));
      expect(toJsonValue(members(key))).toEqual(members(key));
    }
    // The normalised copy never gets a polluted prototype.
    expect(Object.getPrototypeOf(toJsonValue(JSON.parse('{"__proto__":{"polluted":true}}')))).toBe(Object.prototype);
  });
});

describe('values JSON cannot represent (as documented in src/hash.ts, toJsonValue)', () => {
  const notJson = (args: unknown) => {
    try {
      argsHash(args);
    } catch (error) {
      expect(error).toBeInstanceOf(ReplayError);
      return error as ReplayError;
    }
    throw new Error('expected args-not-json');
  };

  it.each([
    ['NaN', { n: NaN }, 'args.n', /NaN/],
    ['Infinity', { n: [Infinity] }, 'args.n[0]', /Infinity/],
    ['-Infinity', { deep: { n: -Infinity } }, 'args.deep.n', /-Infinity/],
    ['a BigInt', { id: 10n }, 'args.id', /BigInt \(10n\)/],
    ['a boxed BigInt', { id: Object(10n) as object }, 'args.id', /BigInt \(10n\)/],
    ['a symbol', { s: Symbol('x') }, 'args.s', /symbol/],
    ['a function', [() => 1], 'args[0]', /function/],
    ['a Map', { m: new Map([[1, 2]]) }, 'args.m', /Map/],
    ['a Set', { s: new Set([1]) }, 'args.s', /Set/],
    ['a WeakMap', { w: new WeakMap() }, 'args.w', /WeakMap/],
    ['a typed array (its type would be lost)', { bytes: new Uint8Array([1, 2]) }, 'args.bytes', /Uint8Array/],
    ['an Error (JSON writes {})', { e: new Error('boom') }, 'args.e', /Error/],
    ['top-level undefined', undefined, 'args', /undefined/],
  ])('%s in args: args-not-json at its JSON path', (_what, args, path, message) => {
    const error = notJson(args);
    expect(error.reason).toBe('args-not-json');
    expect(error.jsonPath).toBe(path);
    expect(error.message).toMatch(message);
  });

  it('a cycle is args-not-json at the path that closes it; a shared (acyclic) object is fine', () => {
    const node: Record<string, unknown> = { name: 'a' };
    node.self = { again: node };
    expect(notJson({ node })).toMatchObject({ reason: 'args-not-json', jsonPath: 'args.node.self.again', message: expect.stringMatching(/circular/) });
    const shared = { x: 1 };
    expect(argsHash({ a: shared, b: [shared, shared] })).toBe(argsHash({ a: { x: 1 }, b: [{ x: 1 }, { x: 1 }] }));
  });

  it('what JSON turns into JSON without loss hashes as JSON.parse(JSON.stringify(x)): -0, holes, undefined members, Dates, toJSON, class instances with public fields, boxed primitives, Buffers, symbol keys', () => {
    class Money {
      constructor(
        readonly amount: number,
        readonly currency: string,
      ) {}
      toJSON() {
        return `${this.amount} ${this.currency}`;
      }
    }
    class Point {
      private readonly hidden = undefined;
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
      get length() {
        return Math.hypot(this.x, this.y);
      }
    }
    const cases: Array<[string, unknown]> = [
      ['-0', { n: -0, list: [-0] }],
      ['a sparse array', [1, , 3]], // eslint-disable-line no-sparse-arrays
      ['undefined members and items', { a: undefined, b: [undefined, 1] }],
      ['a Date', { at: new Date('2026-11-23T10:00:00Z') }],
      ['toJSON', { price: new Money(3, 'EUR'), nested: { toJSON: (key: string) => ({ key }) } }],
      ['a class instance', { p: new Point(3, 4) }],
      ['boxed primitives', { s: new String('ab'), n: new Number(3), b: new Boolean(false) }],
      ['a Buffer (toJSON)', { bytes: Buffer.from([1, 2]) }],
      ['symbol keys', { [Symbol('hidden')]: 1, shown: 2 }],
      ['a null-prototype object', Object.assign(Object.create(null) as object, { b: 1, a: 2 })],
    ];
    for (const [what, value] of cases) {
      expect(argsHash(value), what).toBe(argsHash(JSON.parse(JSON.stringify(value))));
      expect(toJsonValue(value), what).toEqual(JSON.parse(JSON.stringify(value)));
    }
    expect(argsHash({ n: -0 })).toBe(argsHash({ n: 0 }));
  });

  it('lone surrogates are data: hashed, saved (escaped) and replayed unchanged', async () => {
    const path = join(dir, 'surrogates.json');
    const c = new ToolCallCassette();
    const args = ['\ud800', { '\udfff': 'x\ud83dy' }];
    c.record({ toolId: 'echo', args, output: args });
    await c.save(path);
    const loaded = (await ToolCallCassette.load(path))!;
    expect(loaded.replay({ toolId: 'echo', args: JSON.parse(JSON.stringify(args)) })).toEqual(args);
  });

  it('outputs are lenient, like JSON.stringify: NaN/±Infinity become null, functions and symbols are dropped; BigInt, cycles and Maps still fail', () => {
    const c = new ToolCallCassette();
    c.record({ toolId: 't', args: [1], output: { nan: NaN, inf: [Infinity, -Infinity], f: () => 1, s: Symbol('s'), list: [() => 1, Symbol('t')], zero: -0 } });
    expect(c.replay({ toolId: 't', args: [1] })).toEqual({ nan: null, inf: [null, null], list: [null, null], zero: 0 });
    const cycle: Record<string, unknown> = {};
    cycle.me = cycle;
    for (const [output, path] of [[{ id: 1n }, 'output.id'], [cycle, 'output.me'], [{ m: new Map() }, 'output.m']] as const) {
      expect(() => c.record({ toolId: 't', args: [2], output })).toThrowError(expect.objectContaining({ reason: 'args-not-json', jsonPath: path }));
    }
  });
});

describe('replay(record(x)) gives x back (fast-check)', () => {
  it('in memory, and through a saved and reloaded file, as a deep copy', async () => {
    const numRuns = runs(300);
    let n = 0;
    await fc.assert(
      fc.asyncProperty(jsonValue, jsonValue, fc.nat(), async (args, output, seed) => {
        const expected = withoutNegativeZero(output);
        const c = new ToolCallCassette();
        c.record({ toolId: 'any.tool', args, output });
        expect(c.replay({ toolId: 'any.tool', args: permute(args, seed) })).toEqual(expected);
        const path = join(dir, `roundtrip-${++n}.json`);
        await c.save(path);
        const loaded = (await ToolCallCassette.load(path))!;
        const replayed = loaded.replay({ toolId: 'any.tool', args: permute(args, seed + 1) });
        expect(replayed).toEqual(expected);
        // A copy: changing what a test got back does not change the recording.
        if (replayed !== null && typeof replayed === 'object') {
          define(replayed as Record<string, unknown>, 'mutated', true);
          expect(loaded.entries[0]!.result).toEqual({ ok: true, value: expected });
        }
      }),
      { numRuns },
    );
    note(`hostile args: replay(record(x)) deep-equals x for ${numRuns} JSON (args, output) pairs, in memory and through a file`);
  });

  it('through the whole lifecycle: a tool recorded by withCassette replays the same value in replay mode', async () => {
    const numRuns = runs(100);
    let n = 0;
    await fc.assert(
      fc.asyncProperty(jsonValue, async (output) => {
        const path = join(dir, `lifecycle-${++n}.json`);
        const live = tool('live.value', (_i: number) => output);
        const recorded = await withCassette({ path, mode: 'auto', http: false, onWarning: () => undefined }, () => live(n));
        const replayed = await withCassette({ path, mode: 'replay', http: false, onWarning: () => undefined }, () =>
          tool('live.value', (_i: number): unknown => {
            throw new Error('replay mode must not call the tool');
          })(n),
        );
        expect(recorded).toBe(output); // recording hands back the live value itself
        expect(replayed).toEqual(withoutNegativeZero(output));
      }),
      { numRuns },
    );
    note(`hostile args: ${numRuns} outputs recorded with withCassette and replayed equal`);
  });
});
