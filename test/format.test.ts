import { describe, expect, it } from 'vitest';
import { ReplayError, ToolCallCassette } from '../src/index.js';

const valid = () => {
  const c = new ToolCallCassette();
  c.record({ toolId: 'weather.get', args: [{ city: 'SFO' }], output: { temp_f: 62 } });
  return JSON.parse(JSON.stringify(c.toJSON())) as Record<string, unknown> & { entries: Array<Record<string, unknown>> };
};

function reasonOf(fn: () => unknown): ReplayError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ReplayError) return error;
    throw new Error(`expected a ReplayError, got ${String(error)}`);
  }
  throw new Error('expected a throw');
}

describe('cassette file validation', () => {
  it.each([
    ['not an object', 42, '$'],
    ['no entries', { schemaVersion: 1 }, 'entries'],
    ['schemaVersion 0', { schemaVersion: 0, entries: [] }, 'schemaVersion'],
    ['schemaVersion as string', { schemaVersion: '1', entries: [] }, 'schemaVersion'],
    ['schemaVersion 1e300 (damage, not a newer version)', { schemaVersion: 1e300, entries: [] }, 'schemaVersion'],
    ['schemaVersion 2^53 (not a safe integer)', { schemaVersion: 2 ** 53, entries: [] }, 'schemaVersion'],
    ['entries not an array', { schemaVersion: 1, entries: {} }, 'entries'],
  ])('%s -> corrupt-cassette at %s', (_what, data, path) => {
    const error = reasonOf(() => ToolCallCassette.fromJSON(data, 'bad.json'));
    expect(error.reason).toBe('corrupt-cassette');
    expect(error.cassettePath).toBe('bad.json');
    expect(error.jsonPath).toBe(path === '$' ? '$' : `$.${path}`);
    expect(error.message).toContain('bad.json');
  });

  it.each([
    ['toolId', (e: Record<string, unknown>) => (e.toolId = 7), '$.entries[0].toolId'],
    ['argsHash', (e: Record<string, unknown>) => (e.argsHash = 'abc'), '$.entries[0].argsHash'],
    ['result', (e: Record<string, unknown>) => (e.result = { ok: 'yes' }), '$.entries[0].result.ok'],
    ['error', (e: Record<string, unknown>) => (e.result = { ok: false, error: { name: 1 } }), '$.entries[0].result.error.name'],
  ])('a wrong type in %s names the JSON path', (_field, mutate, path) => {
    const data = valid();
    mutate(data.entries[0]!);
    const error = reasonOf(() => ToolCallCassette.fromJSON(data, 'c.json'));
    expect(error.reason).toBe('corrupt-cassette');
    expect(error.jsonPath).toBe(path);
    expect(error.message).toContain(`at ${path}`);
  });

  it('loads a newer schemaVersion with a warning when its entries still validate', () => {
    const data = { ...valid(), schemaVersion: 2, newTopLevel: [1] };
    const c = ToolCallCassette.fromJSON(data, 'future.json');
    expect(c.warnings.join('\n')).toMatch(/schemaVersion 2 \(newer than 1\)/);
    expect(c.replay({ toolId: 'weather.get', args: [{ city: 'SFO' }] })).toEqual({ temp_f: 62 });
    expect((c.toJSON() as Record<string, unknown>).newTopLevel).toEqual([1]);
  });

  it('refuses a newer schemaVersion whose entries do not fit', () => {
    const data = { schemaVersion: 3, entries: [{ tool: 'x', key: 'y' }] };
    const error = reasonOf(() => ToolCallCassette.fromJSON(data, 'future.json'));
    expect(error.reason).toBe('schema-version-unsupported');
    expect(error.message).toContain('future.json has schemaVersion 3');
    expect(error.jsonPath).toBe('$.entries[0].toolId');
  });
});
