import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalize } from 'json-canonicalize';
import { ReplayError, argsHash } from '../src/index.js';
import fc from 'fast-check';
import { canonicalJson, hashJson, toJsonValue } from '../src/hash.js';

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
