import { describe, expect, it } from 'vitest';
import { diffJson, formatDifference } from '../src/diff.js';
import { omitPaths, parsePath } from '../src/json-path.js';

describe('diffJson', () => {
  it('lists differences by JSON path, including added and removed members', () => {
    const d = diffJson({ a: 1, b: { c: [1, 2] }, gone: true }, { a: 2, b: { c: [1, 3, 4] }, added: 'x' }).map((x) => formatDifference(x));
    expect(d).toEqual(['$.a: 1 -> 2', '$.added: (absent) -> "x"', '$.b.c[1]: 2 -> 3', '$.b.c[2]: (absent) -> 4', '$.gone: true -> (absent)']);
  });
  it('compares numbers within a relative tolerance; NaN equals NaN and null equals NaN', () => {
    expect(diffJson({ x: 100 }, { x: 100.5 }, { tolerance: 0.01 })).toEqual([]);
    expect(diffJson({ x: 100 }, { x: 102 }, { tolerance: 0.01 })).toHaveLength(1);
    expect(diffJson({ x: NaN }, { x: NaN })).toEqual([]);
    expect(diffJson({ x: null }, { x: NaN })).toEqual([]);
    expect(diffJson({ x: 0 }, { x: NaN })).toHaveLength(1);
    expect(diffJson(Infinity, Infinity)).toEqual([]);
  });
  it('treats an array and an object as different', () => {
    expect(diffJson({ a: [] }, { a: {} })).toHaveLength(1);
  });
});

describe('JSON paths', () => {
  it('parses dotted, bracketed, quoted and wildcard paths', () => {
    expect(parsePath('body.metadata.requestId')).toEqual(['body', 'metadata', 'requestId']);
    expect(parsePath('$.messages[0]["content-type"]')).toEqual(['messages', 0, 'content-type']);
    expect(parsePath('items.*.id')).toEqual(['items', '*', 'id']);
    expect(parsePath('0.city')).toEqual([0, 'city']);
  });
  it('omits values at paths without touching the input', () => {
    const input = { body: { id: 1, keep: 2, items: [{ id: 'a', v: 1 }, { id: 'b', v: 2 }] } };
    expect(omitPaths(input, ['body.id', 'body.items.*.id', 'missing.path'])).toEqual({ body: { keep: 2, items: [{ v: 1 }, { v: 2 }] } });
    expect(input.body.id).toBe(1);
  });
});
