import { describe, expect, it, vi } from 'vitest';
import { ReplayError, ToolCallCassette, argsHash } from '../src/index.js';

describe('ToolCallCassette', () => {
  it('replays a recorded output as a deep copy, whatever the key order of the args', () => {
    const c = new ToolCallCassette();
    const output = { temp_f: 62, tags: ['sunny'] };
    c.record({ toolId: 'weather.get', args: [{ city: 'SFO', units: 'f' }], output });
    output.tags.push('mutated after record');
    const first = c.replay({ toolId: 'weather.get', args: [{ units: 'f', city: 'SFO' }] }) as typeof output;
    expect(first).toEqual({ temp_f: 62, tags: ['sunny'] });
    first.tags.push('mutated after replay');
    expect(c.entries[0]!.result).toEqual({ ok: true, value: { temp_f: 62, tags: ['sunny'] } });
  });

  it('replays repeated calls in recorded order, then misses with exhausted: true', () => {
    const c = new ToolCallCassette();
    for (const n of [1, 2, 3]) c.record({ toolId: 'dice.roll', args: [], output: n });
    expect([c.replay({ toolId: 'dice.roll', args: [] }), c.replay({ toolId: 'dice.roll', args: [] }), c.replay({ toolId: 'dice.roll', args: [] })]).toEqual([1, 2, 3]);
    expect(c.has({ toolId: 'dice.roll', args: [] })).toBe(false);
    let error: ReplayError | undefined;
    try {
      c.replay({ toolId: 'dice.roll', args: [] });
    } catch (e) {
      error = e as ReplayError;
    }
    expect(error?.reason).toBe('cassette-miss');
    expect(error?.exhausted).toBe(true);
    expect(error?.message).toMatch(/called more times than it was recorded \(3\)/);
  });

  it('keeps separate counters per key', () => {
    const c = new ToolCallCassette();
    c.record({ toolId: 't', args: ['a'], output: 'A1' });
    c.record({ toolId: 't', args: ['b'], output: 'B1' });
    c.record({ toolId: 't', args: ['a'], output: 'A2' });
    expect(c.replay({ toolId: 't', args: ['b'] })).toBe('B1');
    expect(c.replay({ toolId: 't', args: ['a'] })).toBe('A1');
    expect(c.replay({ toolId: 't', args: ['a'] })).toBe('A2');
    expect(c.has({ toolId: 'other', args: ['a'] })).toBe(false);
  });

  it('throws a recorded error again with the same name and message', () => {
    const c = new ToolCallCassette();
    const boom = new RangeError('city not found');
    (boom as RangeError & { data?: unknown }).data = { code: 404 };
    c.recordError({ toolId: 'weather.get', args: [{ city: 'Atlantis' }], error: boom });
    let thrown: unknown;
    try {
      c.replay({ toolId: 'weather.get', args: [{ city: 'Atlantis' }] });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).name).toBe('RangeError');
    expect((thrown as Error).message).toBe('city not found');
    expect((thrown as Error & { data?: unknown }).data).toEqual({ code: 404 });
  });

  it('explains a miss: tool, hash, nearest recorded calls with a diff by JSON path, and the fix', () => {
    const c = new ToolCallCassette('test/__cassettes__/agent.test.ts/agent answers.json');
    c.record({ toolId: 'weather.get', args: [{ city: 'SFO', units: 'f' }], output: 1 });
    c.record({ toolId: 'weather.get', args: [{ city: 'NYC', units: 'c', extra: true }], output: 2 });
    c.record({ toolId: 'search', args: ['x'], output: 3 });
    const args = [{ city: 'Paris', units: 'f' }];
    const error = c.missError({ toolId: 'weather.get', args }, { fix: 'RECORD=1 npx vitest run agent.test.ts -t "agent answers"' });
    expect(error.reason).toBe('cassette-miss');
    expect(error.argsHash).toBe(argsHash(args));
    expect(error.nearest?.map((n) => n.index)).toEqual([0, 1]);
    expect(error.nearest?.[0]?.differences).toEqual(['args[0].city: "SFO" -> "Paris"']);
    expect(error.message).toContain('cassette: test/__cassettes__/agent.test.ts/agent answers.json');
    expect(error.message).toContain('tool:     weather.get');
    expect(error.message).toContain(argsHash(args));
    expect(error.message).toContain('args[0].city: "SFO" -> "Paris"');
    expect(error.message).toContain('args[0].extra: true -> (absent)');
    expect(error.message.trimEnd().split('\n').at(-1)).toMatch(/fix: RECORD=1 npx vitest run agent\.test\.ts -t "agent answers"/);
    expect(c.missError({ toolId: 'never.recorded', args: [] }).message).toContain('no recording of never.recorded at all');
  });

  it('reports entries that were never replayed as unused', () => {
    const c = new ToolCallCassette();
    c.record({ toolId: 'a', args: [], output: 1 });
    c.record({ toolId: 'b', args: [], output: 2 });
    const loaded = ToolCallCassette.fromJSON(c.toJSON());
    expect(loaded.unused().map((e) => e.toolId)).toEqual(['a', 'b']);
    loaded.replay({ toolId: 'b', args: [] });
    expect(loaded.unused().map((e) => [e.toolId, e.index])).toEqual([['a', 0]]);
    expect(c.unused().map((e) => e.toolId)).toEqual(['a', 'b']);
  });

  it('round-trips through toJSON/fromJSON, keeping fields it does not know', () => {
    const c = new ToolCallCassette();
    c.record({ toolId: 'x', args: [{ a: 1 }], output: { b: [1, 2] } });
    const json = { ...c.toJSON(), futureField: { keep: true }, meta: { recordedAt: '2026-01-01T00:00:00.000Z', custom: 1 } } as Record<string, unknown>;
    (json.entries as Array<Record<string, unknown>>)[0]!.note = 'hand-written note';
    const back = ToolCallCassette.fromJSON(JSON.parse(JSON.stringify(json)), 'x.json');
    const again = back.toJSON() as Record<string, unknown>;
    expect(again.futureField).toEqual({ keep: true });
    expect((again.meta as Record<string, unknown>).custom).toBe(1);
    expect((again.entries as Array<Record<string, unknown>>)[0]!.note).toBe('hand-written note');
    expect(back.replay({ toolId: 'x', args: [{ a: 1 }] })).toEqual({ b: [1, 2] });
  });

  it('refuses an entry whose args were edited by hand (hash-mismatch naming the entry)', () => {
    const c = new ToolCallCassette();
    c.record({ toolId: 'x', args: [{ city: 'SFO' }], output: 1 });
    const json = c.toJSON();
    (json.entries[0]!.args as Array<{ city: string }>)[0]!.city = 'LAX';
    expect(() => ToolCallCassette.fromJSON(json, 'c.json')).toThrowError(
      expect.objectContaining({ reason: 'hash-mismatch', cassettePath: 'c.json', jsonPath: 'entries[0].args', toolId: 'x' }),
    );
  });

  // Load-time verification first hashes JSON.stringify of the parsed args (canonical when the keys are
  // sorted, as tapedeck writes them); any other text falls back to the canonical hash.
  it('verifies args whose keys are out of canonical order, and still catches edited values in sorted ones', () => {
    const c = new ToolCallCassette();
    c.record({ toolId: 'x', args: [{ b: 1, a: { '9': 'nine', '10': 'ten' } }], output: 1 });
    const text = c.serialize();
    const data = JSON.parse(text) as { entries: Array<{ args: unknown }> };
    // b before a, and 9 before 10 (JS orders integer-like keys numerically; RFC 8785 sorts "10" first).
    data.entries[0]!.args = [{ b: 1, a: { '9': 'nine', '10': 'ten' } }];
    expect(ToolCallCassette.fromJSON(data, 'c.json').replay({ toolId: 'x', args: [{ a: { '10': 'ten', '9': 'nine' }, b: 1 }] })).toBe(1);
    const edited = JSON.parse(text.replace('"ten"', '"TEN"')) as unknown;
    expect(() => ToolCallCassette.fromJSON(edited, 'c.json')).toThrowError(expect.objectContaining({ reason: 'hash-mismatch' }));
  });

  it('stores the JSON form of outputs: undefined stays undefined, NaN becomes null', () => {
    const c = new ToolCallCassette();
    c.record({ toolId: 'void', args: [], output: undefined });
    c.record({ toolId: 'nan', args: [], output: { v: NaN } });
    const loaded = ToolCallCassette.fromJSON(JSON.parse(JSON.stringify(c.toJSON())));
    expect(loaded.replay({ toolId: 'void', args: [] })).toBeUndefined();
    expect(loaded.replay({ toolId: 'nan', args: [] })).toEqual({ v: null });
  });

  it('looks up in O(1): 10,000 entries replay without scanning', () => {
    const c = new ToolCallCassette();
    for (let i = 0; i < 10_000; i++) c.record({ toolId: 'k', args: [i], output: i });
    const loaded = ToolCallCassette.fromJSON(c.toJSON());
    // Counted, not timed: a replay reads the index a few times, and never walks the entries.
    const mapGets = vi.spyOn(Map.prototype, 'get');
    const walks = (['find', 'findIndex', 'filter', 'some', 'forEach', 'indexOf', 'findLast', 'findLastIndex'] as const).map((m) => vi.spyOn(Array.prototype, m));
    const picks = [9_999, 8_888, 5_000, 1_234, 0];
    try {
      for (const i of picks) expect(loaded.replay({ toolId: 'k', args: [i] })).toBe(i);
      expect(mapGets.mock.calls.length).toBeGreaterThanOrEqual(picks.length);
      expect(mapGets.mock.calls.length).toBeLessThanOrEqual(picks.length * 6);
      // No array method ran over anything the size of the cassette.
      for (const walk of walks) expect(walk.mock.contexts.filter((array) => (array as unknown[]).length >= 1_000)).toHaveLength(0);
    } finally {
      mapGets.mockRestore();
      for (const walk of walks) walk.mockRestore();
    }
  });

  it('a reserved slot is consumed by the call that made it: the next identical call is the next occurrence', () => {
    const c = new ToolCallCassette();
    c.reserve({ toolId: 't', args: [] })({ ok: true, value: 1 });
    expect(c.has({ toolId: 't', args: [] })).toBe(false);
    expect(c.unused()).toEqual([]);
  });

  it('reserved slots keep call order even when results arrive out of order', () => {
    const c = new ToolCallCassette();
    const fillA = c.reserve({ toolId: 'slow', args: [] });
    const fillB = c.reserve({ toolId: 'fast', args: [] });
    expect(c.toJSON().entries).toEqual([]);
    fillB({ ok: true, value: 'b' });
    fillA({ ok: true, value: 'a' });
    expect(c.toJSON().entries.map((e) => e.toolId)).toEqual(['slow', 'fast']);
  });
});

describe('tool names that are Object.prototype members (DESIGN section 11)', () => {
  it('a tool named __proto__ or constructor keeps its own signature and touches no prototype', () => {
    const c = new ToolCallCassette();
    for (const toolId of ['__proto__', 'constructor', 'toString']) {
      expect(c.signatureOf(toolId)).toBeUndefined();
      c.setSignature(toolId, `sig-${toolId}`);
      expect(c.signatureOf(toolId)).toBe(`sig-${toolId}`);
    }
    const tools = c.toJSON().meta!.tools!;
    expect(Object.keys(tools).sort()).toEqual(['__proto__', 'constructor', 'toString']);
    expect(Object.getPrototypeOf(tools)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).signature).toBeUndefined();
  });
});
