// format.ts accepts a valid cassette with plain code, so a replaying test never loads zod; zod's schema
// stays the reference (and words the errors). These hold the plain check to exactly what zod accepts:
// every node of a full cassette replaced by every kind of value, or removed.
import { describe, expect, test } from 'vitest';
import { acceptedCassetteFile, fileSchema } from '../src/format.js';

const HASH = 'a'.repeat(64);
const valid = {
  schemaVersion: 1,
  extraTopLevel: { kept: true },
  meta: {
    tapedeck: '0.1.0',
    recordedAt: '2026-01-01T00:00:00.000Z',
    environment: { node: 'v20', platform: 'linux', tapedeck: '0.1.0', packages: { openai: '6.1.0' }, git: { commit: 'abc', dirty: false }, extra: 1 },
    tools: { search: { signature: HASH, extra: 'x' } },
  },
  entries: [
    { toolId: 'search', argsHash: HASH, args: [{ q: 'x' }], result: { ok: true, value: { hits: 3 } }, durationMs: 4 },
    { toolId: 'search', argsHash: HASH, args: null, result: { ok: false, error: { name: 'Error', message: 'boom', data: { code: 1 } } } },
    {
      toolId: 'http:POST api.openai.com/v1/chat/completions',
      argsHash: HASH,
      args: { method: 'POST' },
      result: {
        ok: true,
        value: { status: 200, statusText: 'OK', headers: { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] }, body: { sse: [{ data: 'x', event: 'm', id: '1', retry: 5, delayMs: 0 }] } },
      },
    },
    { toolId: 'http:GET example.test/', argsHash: HASH, args: {}, result: { ok: true, value: { status: 404, statusText: 'Not Found', headers: {}, body: { text: 'no' } } } },
  ],
};

const replacements: unknown[] = [undefined, null, 0, -1, 1.5, 2, 700, '', 'x', HASH, 'A'.repeat(64), true, false, [], [1], {}, { ok: true }];

/** Every path to a node of `value` (the root excluded). */
function paths(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (value === null || typeof value !== 'object') return [];
  const keys: Array<string | number> = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return keys.flatMap((k) => [[...prefix, k], ...paths((value as Record<string | number, unknown>)[k], [...prefix, k])]);
}

function replaced(path: Array<string | number>, next: unknown): unknown {
  const copy = structuredClone(valid) as unknown as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (next === undefined && !Array.isArray(node)) delete node[last];
  else node[last] = next;
  return copy;
}

describe('the plain cassette check', () => {
  test('accepts a full valid cassette and copies it as zod does', () => {
    const zod = fileSchema().safeParse(valid);
    expect(zod.success).toBe(true);
    const accepted = acceptedCassetteFile(valid);
    expect(accepted).toEqual(zod.data);
    // Copied, not shared: recording into a loaded cassette never writes into the caller's data.
    expect(accepted!.entries).not.toBe(valid.entries);
    expect(accepted!.entries[0]).not.toBe(valid.entries[0]);
  });

  test('agrees with the zod schema on every node replaced by every kind of value, or removed', () => {
    let rejected = 0;
    const disagreements: string[] = [];
    const all = paths(valid);
    expect(all.length).toBeGreaterThan(60);
    for (const path of all) {
      for (const next of replacements) {
        const data = replaced(path, next);
        const zod = fileSchema().safeParse(data);
        const accepted = acceptedCassetteFile(data);
        if ((accepted !== undefined) !== zod.success) disagreements.push(`${JSON.stringify(path)} = ${JSON.stringify(next) ?? '(removed)'}: zod ${zod.success ? 'accepts' : 'rejects'}`);
        else if (zod.success) expect(accepted).toEqual(zod.data);
        else rejected++;
      }
    }
    expect(disagreements).toEqual([]);
    // The mutations reach both sides of the check.
    expect(rejected).toBeGreaterThan(100);
  });

  test('rejects what is not a cassette at all', () => {
    for (const data of [null, undefined, 1, 'x', [], {}, { schemaVersion: 1 }, { entries: [] }, { schemaVersion: 0, entries: [] }]) {
      expect(acceptedCassetteFile(data), JSON.stringify(data)).toBeUndefined();
      expect(fileSchema().safeParse(data).success).toBe(false);
    }
  });
});
