import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalize } from 'json-canonicalize';
import { ReplayError, argsHash } from '../src/index.js';
import fc from 'fast-check';
import { canonicalJson, hashJson, sameJson, toJsonValue, type JsonValue } from '../src/hash.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('argsHash', () => {
  it('matches the DESIGN vector', () => {
    expect(argsHash({ b: 1, a: [1, { d: 2, c: 3 }] })).toBe('e23f8d4197e06fb14090fd7ae275b6f9f4e8449202851dab79c411cb3426d4a2');
  });

  it('is the sha256 of the RFC 8785 canonical form and ignores key order', () => {
    const a = { z: 1, a: { y: [1, 2], b: 'x' } };
    const b = { a: { b: 'x', y: [1, 2] }, z: 1 };
    expect(argsHash(a)).toBe(argsHash(b));
    expect(argsHash(a)).toBe(sha('{"a":{"b":"x","y":[1,2]},"z":1}'));
    expect(argsHash(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('distinguishes array order and value types', () => {
    expect(argsHash([1, 2])).not.toBe(argsHash([2, 1]));
    expect(argsHash({ a: 1 })).not.toBe(argsHash({ a: '1' }));
    expect(argsHash(null)).not.toBe(argsHash({}));
  });

  it('reproduces the RFC 8785 section 3.2.2 example', () => {
    const input = JSON.parse(String.raw`{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }`);
    const expected = String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`;
    expect(canonicalize(toJsonValue(input))).toBe(expected);
    expect(argsHash(input)).toBe(sha(expected));
  });

  it.each([
    [1e21, '1e+21'],
    [1e-7, '1e-7'],
    [0.000001, '0.000001'],
    [-0, '0'],
    [0.1 + 0.2, '0.30000000000000004'],
    [9007199254740992, '9007199254740992'],
    [295147905179352830000, '295147905179352830000'],
    [5e-324, '5e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [-1e-7, '-1e-7'],
  ])('formats the number %s as %s (ECMAScript Number serialisation)', (n, text) => {
    expect(canonicalize(toJsonValue([n]))).toBe(`[${text}]`);
    expect(argsHash([n])).toBe(sha(`[${text}]`));
  });

  it('sorts keys by UTF-16 code units (RFC 8785 section 3.2.3)', () => {
    const input = JSON.parse(String.raw`{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}`);
    const keys = Object.keys(JSON.parse(canonicalize(toJsonValue(input))));
    // Object.keys puts integer-like keys first, so compare the canonical text instead.
    const text = canonicalize(toJsonValue(input));
    const order = ['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33'].map((k) => text.indexOf(JSON.stringify(k)));
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(keys).toHaveLength(7);
  });

  it('escapes strings as RFC 8785 requires (unicode kept, controls escaped)', () => {
    expect(canonicalize(toJsonValue({ s: 'é\u2028\u0007"\\' }))).toBe('{"s":"é\u2028\\u0007\\"\\\\"}');
  });

  it('normalises like JSON: toJSON, undefined members, undefined items, Dates, -0', () => {
    const date = new Date('2026-11-23T10:00:00.000Z');
    expect(toJsonValue({ a: undefined, b: [undefined, 1], d: date, z: -0 })).toEqual({ b: [null, 1], d: '2026-11-23T10:00:00.000Z', z: 0 });
    expect(argsHash({ a: undefined, x: 1 })).toBe(argsHash({ x: 1 }));
    class Money {
      constructor(readonly cents: number) {}
      toJSON() {
        return { amount: this.cents / 100 };
      }
    }
    expect(argsHash({ m: new Money(150) })).toBe(argsHash({ m: { amount: 1.5 } }));
    // eslint-disable-next-line no-sparse-arrays
    expect(toJsonValue([1, , 3])).toEqual([1, null, 3]);
  });

  const notJson: Array<[string, unknown, string]> = [
    ['NaN', { a: { b: NaN } }, 'args.a.b'],
    ['Infinity', [1, Infinity], 'args[1]'],
    ['-Infinity', { x: -Infinity }, 'args.x'],
    ['BigInt', { n: 10n }, 'args.n'],
    ['a function', { f: () => 1 }, 'args.f'],
    ['a symbol', { s: Symbol('x') }, 'args.s'],
    ['a Map', { m: new Map([[1, 2]]) }, 'args.m'],
    ['a Set', { list: [new Set([1])] }, 'args.list[0]'],
    ['top-level undefined', undefined, 'args'],
    ['a key needing quotes', { 'content-type': NaN }, 'args["content-type"]'],
  ];
  it.each(notJson)('rejects %s with args-not-json and the JSON path', (_what, value, path) => {
    let error: unknown;
    try {
      argsHash(value);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ReplayError);
    expect((error as ReplayError).reason).toBe('args-not-json');
    expect((error as ReplayError).jsonPath).toBe(path);
    expect((error as ReplayError).message).toMatch(/^tapedeck: /);
    expect((error as ReplayError).message).toContain(path);
  });

  it('rejects cycles with the path of the repeated object, but allows shared references', () => {
    const a: Record<string, unknown> = { x: 1 };
    a.self = { again: a };
    expect(() => argsHash(a)).toThrowError(expect.objectContaining({ reason: 'args-not-json', jsonPath: 'args.self.again' }));
    const shared = { v: 1 };
    expect(argsHash({ a: shared, b: shared })).toBe(argsHash({ a: { v: 1 }, b: { v: 1 } }));
  });

  it('lenient output normalisation turns NaN into null like JSON.stringify', () => {
    expect(toJsonValue({ a: NaN, f: () => 1, l: [() => 1] }, 'output', { lenient: true })).toEqual({ a: null, l: [null] });
    expect(toJsonValue(undefined, 'output', { lenient: true })).toBeUndefined();
    expect(() => toJsonValue({ n: 1n }, 'output', { lenient: true })).toThrow(/output\.n is a BigInt/);
  });

  // argsHash and hashJson take a one-pass fast path for plain data; it must give exactly the text of the
  // reference, canonicalize(toJsonValue(x)), or the keys of every existing cassette would change.
  it('fast path: the same canonical text and hash as the reference for any JSON-like data', () => {
    const odd = fc.oneof(
      fc.constant(undefined),
      fc.constant(-0),
      fc.constantFrom('\u2028', '\ud800', '\ud83d\ude00', '"\\', '\u0000\u001f\u007f', 'é', '__proto__', '10', '9'),
      fc.date({ noInvalidDate: true }),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
    );
    const data = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, fc.jsonValue(), odd, tie('array'), tie('object')),
      array: fc.array(tie('value'), { maxLength: 5 }),
      object: fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('__proto__', '10', '9', 'a', '\u20ac')), tie('value'), { maxKeys: 5 }),
    })).value;
    fc.assert(
      fc.property(data, (value) => {
        if (value === undefined) return;
        const reference = canonicalize(toJsonValue(value));
        expect(argsHash(value)).toBe(sha(reference));
        const plain = toJsonValue(value);
        expect(canonicalJson(plain)).toBe(reference);
        expect(hashJson(plain)).toBe(sha(reference));
      }),
      { numRuns: 2000 },
    );
  });

  it('fast path: class instances, toJSON, null prototypes and deep data hash as the reference does', () => {
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
    }
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { b: 1, a: [2] });
    let deep: unknown = 'leaf';
    for (let i = 0; i < 400; i++) deep = { d: [deep] };
    for (const value of [{ p: new Point(1, 2) }, { d: new Date(0) }, bare, deep, [new Number(1), new String('s')], { t: { toJSON: () => ({ z: 1, a: 2 }) } }]) {
      expect(argsHash(value)).toBe(sha(canonicalize(toJsonValue(value))));
    }
  });
});

// DESIGN section 11: two different calls never share a key. Each generated value carries, by construction,
// what it means as JSON, or `lossy` with the JSON path of the first part JSON would turn into `{}` or strip.
type Meaning = { json: unknown } | { lossy: string };
interface Sample {
  value: unknown;
  meaning: Meaning;
}

class PublicPoint {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}
class PrivateBox {
  readonly #secret: string;
  constructor(secret: string) {
    this.#secret = secret;
  }
  reveal(): string {
    return this.#secret;
  }
}

const lossyLeaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.string().map((s) => new RegExp(s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&'), 'g')),
  fc.string().map((s) => new URLSearchParams({ q: s })),
  fc.string().map((s) => new Headers({ 'x-q': encodeURIComponent(s) })),
  fc.string().map((s) => new Blob([s])),
  fc.uint8Array({ maxLength: 4 }).map((b) => b.buffer),
  fc.uint8Array({ maxLength: 4 }).map((b) => new DataView(b.buffer)),
  fc.uint8Array({ maxLength: 4 }),
  fc.string().map((s) => Promise.resolve(s)),
  fc.string().map((s) => new Error(s)),
  fc.string().map((s) => new TypeError(s)),
  fc.constant(new WeakRef({})),
  fc.string().map((s) => new Map([[s, 1]])),
  fc.string().map((s) => new Set([s])),
  fc.string().map((s) => new PrivateBox(s)),
);

// A leaf: its value and its meaning. -0 means 0; a Date means its ISO string; a public class its fields.
const plainLeaf: fc.Arbitrary<Sample> = fc.oneof(
  fc.oneof(fc.string(), fc.boolean(), fc.constant(null), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })).map((v) => ({ value: v, meaning: { json: Object.is(v, -0) ? 0 : v } })),
  fc.date({ noInvalidDate: true }).map((d) => ({ value: d, meaning: { json: d.toISOString() } })),
  fc.tuple(fc.integer(), fc.integer()).map(([x, y]) => ({ value: new PublicPoint(x, y), meaning: { json: { x, y } } })),
  fc.string().map((s) => ({ value: new String(s), meaning: { json: s } })),
  fc.uint8Array({ maxLength: 4 }).map((b) => ({ value: Buffer.from(b), meaning: { json: { type: 'Buffer', data: [...b] } } })),
);

const sample: fc.Arbitrary<Sample> = fc.letrec<{ node: Sample; array: Sample; object: Sample }>((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, plainLeaf, lossyLeaf.map((v) => ({ value: v, meaning: { lossy: '' } })), tie('array'), tie('object')),
  array: fc.array(tie('node'), { maxLength: 4 }).map((items) => compose(items.map((item, i) => [i, item] as const), [])),
  object: fc.uniqueArray(fc.tuple(fc.string({ maxLength: 4 }), tie('node')), { maxLength: 4, selector: ([k]) => k }).map((members) => {
    const value: Record<string, unknown> = {};
    for (const [k, m] of members) Object.defineProperty(value, k, { value: m.value, enumerable: true, writable: true, configurable: true });
    // Children in the order JSON visits them (integer-like keys first).
    const byKey = new Map(members);
    return compose(Object.keys(value).map((k) => [k, byKey.get(k)!] as const), value);
  }),
})).node;

/** A container's meaning from its children's: lossy at the first lossy child's path, else the JSON of all. */
function compose(children: ReadonlyArray<readonly [string | number, Sample]>, container: unknown[] | Record<string, unknown>): Sample {
  const isArray = Array.isArray(container);
  const value: unknown = isArray ? children.map(([, c]) => c.value) : container;
  const json: unknown = isArray ? [] : {};
  for (const [key, child] of children) {
    if ('lossy' in child.meaning) {
      const step = typeof key === 'number' ? `[${key}]` : /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
      return { value, meaning: { lossy: step + child.meaning.lossy } };
    }
    Object.defineProperty(json, key, { value: child.meaning.json, enumerable: true, writable: true, configurable: true });
  }
  return { value, meaning: { json } };
}

describe('argsHash never merges two different calls (fast-check over values JSON may or may not hold)', () => {
  it('a value is refused with args-not-json at the path of what JSON would lose, or hashed as exactly what it means', () => {
    let refused = 0;
    fc.assert(
      fc.property(sample, ({ value, meaning }) => {
        if ('lossy' in meaning) {
          refused++;
          expect(() => argsHash(value)).toThrowError(expect.objectContaining({ reason: 'args-not-json', jsonPath: `args${meaning.lossy}` }));
          return;
        }
        expect(canonicalize(toJsonValue(value))).toBe(canonicalize(meaning.json));
        expect(argsHash(value)).toBe(sha(canonicalize(meaning.json)));
      }),
      { numRuns: 600 },
    );
    expect(refused).toBeGreaterThan(50); // the generator really produces lossy values
  });

  it('two values share an argsHash only when their canonical JSON is the same', () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        fc.pre('json' in a.meaning && 'json' in b.meaning);
        const same = canonicalize((a.meaning as { json: unknown }).json) === canonicalize((b.meaning as { json: unknown }).json);
        expect(argsHash(a.value) === argsHash(b.value)).toBe(same);
      }),
      { numRuns: 400 },
    );
  });

  it.each([
    ['URLSearchParams', () => new URLSearchParams({ q: 'cats' }), () => new URLSearchParams({ q: 'dogs' })],
    ['a Promise (a forgotten await)', () => Promise.resolve('cats'), () => Promise.resolve('dogs')],
    ['RegExp', () => /cats/, () => /dogs/],
    ['Headers', () => new Headers({ q: 'cats' }), () => new Headers({ q: 'dogs' })],
    ['a class with #private state', () => new PrivateBox('cats'), () => new PrivateBox('dogs')],
  ])('%s: recording "cats" never replays for "dogs" (args-not-json instead of the hash of {})', (_what, cats, dogs) => {
    for (const make of [cats, dogs]) {
      expect(() => argsHash([make()])).toThrowError(expect.objectContaining({ reason: 'args-not-json', jsonPath: 'args[0]' }));
    }
  });

  it('a throwing getter, a throwing toJSON and a revoked Proxy are args-not-json at their path, not a raw TypeError', () => {
    const getter = {
      get boom(): never {
        throw new Error('nope');
      },
    };
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const cases: Array<[unknown, string]> = [
      [{ a: getter }, 'args.a.boom'],
      [{ a: { toJSON: () => { throw new TypeError('bad toJSON'); } } }, 'args.a'],
      [{ p: proxy }, 'args.p'],
      [[proxy], 'args[0]'],
    ];
    for (const [value, path] of cases) {
      expect(() => argsHash(value)).toThrowError(expect.objectContaining({ name: 'ReplayError', reason: 'args-not-json', jsonPath: path, message: expect.stringMatching(/threw/) }));
    }
  });

  it('nesting deeper than the engine can walk is args-not-json (args and outputs), never a RangeError', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 2000; i++) deep = { a: deep };
    expect(() => argsHash([deep])).toThrowError(expect.objectContaining({ reason: 'args-not-json', message: expect.stringMatching(/deeper than 1000 levels/) }));
    expect(() => toJsonValue(deep, 'output', { lenient: true })).toThrowError(expect.objectContaining({ reason: 'args-not-json' }));
    let ok: unknown = 1;
    for (let i = 0; i < 900; i++) ok = [ok];
    expect(argsHash(ok)).toMatch(/^[0-9a-f]{64}$/);
  });
});

// A replayed entry's stored args are checked against its key on first use; when they equal the call's
// args as JSON they need no hash of their own (cassette.ts). So sameJson must say "same" exactly when the
// canonical texts are equal: a false "same" would let an edited entry replay.
describe('sameJson', () => {
  const json = fc.jsonValue({ maxDepth: 4 }) as fc.Arbitrary<JsonValue>;
  const canonical = (v: unknown) => canonicalize(v as JsonValue);

  it('says same exactly when the canonical texts are equal, for any two JSON values', () => {
    fc.assert(
      fc.property(json, json, (a, b) => {
        expect(sameJson(a, b)).toBe(canonical(a) === canonical(b));
      }),
      { numRuns: 1000 },
    );
  });

  it('says same for a copy in another member order, re-parsed, and not after any one change', () => {
    fc.assert(
      fc.property(json, (a) => {
        const reordered = JSON.parse(JSON.stringify(a, (_k, v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v)));
        expect(sameJson(a, reordered)).toBe(true);
        expect(sameJson(a, JSON.parse(JSON.stringify(a)))).toBe(true);
      }),
      { numRuns: 500 },
    );
    const base = { a: [1, 'x', { b: null, c: true }], d: -0 };
    expect(sameJson(base, { d: 0, a: [1, 'x', { c: true, b: null }] })).toBe(true);
    for (const changed of [
      { a: [1, 'x', { b: null, c: true }] },
      { a: [1, 'x', { b: null, c: true }], d: 0, e: 1 },
      { a: [1, 'x', { b: null, c: 'true' }], d: 0 },
      { a: [1, 'x', { b: null }], d: 0 },
      { a: [1, 'x', { b: null, c: true }, 2], d: 0 },
      { a: { 0: 1, 1: 'x', 2: { b: null, c: true } }, d: 0 },
      { a: [1, 'X', { b: null, c: true }], d: 0 },
      { a: [1, 'x', { b: null, c: true }], d: 1e-300 },
    ]) {
      expect(sameJson(base, changed)).toBe(false);
    }
    // Values canonical JSON cannot write are never the same, so the full check runs and names them.
    expect(sameJson({ n: Infinity } as unknown as JsonValue, { n: Infinity })).toBe(false);
    expect(sameJson([1], [1, undefined])).toBe(false);
    expect(sameJson({ p: 1 }, Object.assign(Object.create({ p: 1 }) as object, {}))).toBe(false);
  });
});
