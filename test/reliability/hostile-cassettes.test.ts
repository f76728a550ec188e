// Hostile cassette files: whatever is on disk, loading gives a cassette or a ReplayError that names the
// file and the JSON path inside it, never a TypeError (or any other error) from deep inside.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReplayError, ToolCallCassette, argsHash, tool, withCassette, type CassetteFile } from '../../src/index.js';
import { stableStringify } from '../../src/store.js';
import { note, removeDir, runScript, runs, tempDir } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('hostile-cassettes');
});
afterAll(async () => {
  await removeDir(dir);
});

let fileCount = 0;
async function writeCassette(text: string | Buffer): Promise<string> {
  const path = join(dir, `c${++fileCount}.json`);
  await writeFile(path, text);
  return path;
}

/** A realistic cassette: a tool call, a recorded error, an HTTP exchange with SSE, and full metadata. */
function validCassette(): CassetteFile {
  const c = new ToolCallCassette();
  c.record({ toolId: 'weather.get', args: [{ city: 'SFO', units: 'f' }], output: { temp_f: 62, tags: ['sunny'] } });
  const failure = Object.assign(new Error('rate limited'), { name: 'RateLimitError', data: { retryAfter: 3 } });
  c.recordError({ toolId: 'search.web', args: ['tapedeck'], error: failure });
  c.record({
    toolId: 'http:POST https://api.openai.com/v1/chat/completions',
    args: { query: {}, body: { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] } },
    output: { status: 200, statusText: 'OK', headers: { 'content-type': 'text/event-stream' }, body: { sse: [{ data: '{"delta":"Hel"}', delayMs: 3 }, { data: '[DONE]' }] } },
  });
  c.setSignature('weather.get', 'a'.repeat(64));
  c.updateMeta({
    tapedeck: '0.1.0',
    recordedAt: '2026-11-23T10:00:00.000Z',
    environment: { node: 'v20.20.2', platform: 'linux-x64', tapedeck: '0.1.0', packages: { openai: '6.49.0' } },
  });
  return c.toJSON();
}

const validText = () => stableStringify(validCassette());

type Outcome = { loaded: ToolCallCassette } | { error: ReplayError };

/** Loads a file; anything but a cassette or a ReplayError naming that file fails the test. */
async function load(path: string): Promise<Outcome> {
  try {
    const cassette = await ToolCallCassette.load(path);
    expect(cassette).not.toBeNull();
    return { loaded: cassette! };
  } catch (error) {
    if (!(error instanceof ReplayError)) throw new Error(`loading ${path} threw ${String(error)}, not a ReplayError`, { cause: error });
    expect(error.cassettePath).toBe(path);
    expect(error.message).toContain(path);
    expect(error.message.startsWith('tapedeck:')).toBe(true);
    return { error };
  }
}

async function loadError(text: string | Buffer): Promise<ReplayError> {
  const outcome = await load(await writeCassette(text));
  if ('loaded' in outcome) throw new Error('expected the cassette to be refused, but it loaded');
  return outcome.error;
}

// `hash-mismatch` names the path as `entries[0].args`, the schema errors as `$.entries[0].toolId`.
const bare = (jsonPath: string | undefined) => jsonPath?.replace(/^\$\.?/, '') ?? '';

describe('broken files', () => {
  it('a file truncated at any point is corrupt-cassette with the line and column', async () => {
    const text = validText();
    const cuts = new Set<number>([1, 2, text.length - 2, text.length - 3]);
    for (let i = 1; i < 40; i++) cuts.add(Math.floor((text.length * i) / 40));
    for (const cut of cuts) {
      const error = await loadError(text.slice(0, cut));
      expect(error.reason, `cut at ${cut}`).toBe('corrupt-cassette');
      expect(error.message).toMatch(/not valid JSON \(line \d+, column \d+\)/);
      expect(error.jsonPath).toBe('$');
    }
  });

  it.each([
    ['empty', ''],
    ['whitespace', ' \n\t\r\n'],
    ['only a BOM', '\ufeff'],
    ['CRLF only', '\r\n\r\n'],
  ])('%s: corrupt-cassette "is empty"', async (_what, text) => {
    const error = await loadError(text);
    expect(error.reason).toBe('corrupt-cassette');
    expect(error.message).toMatch(/is empty/);
  });

  it.each([
    ['prose', 'hello world'],
    ['HTML from a proxy', '<html><body>502 Bad Gateway</body></html>'],
    ['single quotes', "{'schemaVersion': 1}"],
    ['a trailing comma', '{"schemaVersion": 1, "entries": [],}'],
    ['NaN', '{"schemaVersion": NaN, "entries": []}'],
    ['a merge conflict', `<<<<<<< HEAD\n${validText()}=======\n${validText()}>>>>>>> branch\n`],
    ['two documents', `${validText()}${validText()}`],
    ['binary', Buffer.from([0x00, 0xff, 0xfe, 0x7b, 0x00, 0x22])],
    ['UTF-16 with BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(validText(), 'utf16le')])],
  ])('not JSON (%s): corrupt-cassette', async (_what, text) => {
    const error = await loadError(text);
    expect(error.reason).toBe('corrupt-cassette');
    expect(error.message).toMatch(/not valid JSON/);
  });

  it('deeply nested garbage (100,000 open brackets) is corrupt-cassette, not a stack overflow', async () => {
    for (const text of ['['.repeat(100_000), `{"schemaVersion":1,"entries":${'['.repeat(100_000)}`, '{"a":'.repeat(50_000)]) {
      const error = await loadError(text);
      expect(error.reason).toBe('corrupt-cassette');
      expect(error.message).toMatch(/not valid JSON/);
    }
  });

  it.each([
    ['a recorded value', (deep: string) => `{"schemaVersion":1,"entries":[{"toolId":"t","argsHash":"${'0'.repeat(64)}","args":[],"result":{"ok":true,"value":${deep}}}]}`, '$.entries[0].result'],
    ['args', (deep: string) => `{"schemaVersion":1,"entries":[{"toolId":"t","argsHash":"${'0'.repeat(64)}","args":${deep},"result":{"ok":true}}]}`, '$.entries[0].args'],
    ['an unknown top-level field', (deep: string) => `{"schemaVersion":1,"entries":[],"later":${deep}}`, '$.later'],
  ])('valid JSON nested 100,000 deep in %s is corrupt-cassette at its path when loaded, never a RangeError later', async (_what, make, path) => {
    for (const depth of [1_001, 2_500, 100_000]) {
      const error = await loadError(make(`${'['.repeat(depth)}1${']'.repeat(depth)}`));
      expect(error.reason).toBe('corrupt-cassette');
      expect(error.jsonPath).toBe(path);
      expect(error.message).toMatch(/nested deeper than 1000 levels/);
    }
  });

  it('a tool output nested 2,000 deep fails the call with args-not-json; it is not recorded as the tool\'s error', async () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 2_000; i++) deep = { next: deep };
    const path = join(dir, 'deep-output.json');
    const deepTool = tool('deep.tool', () => deep);
    const shallow = tool('shallow.tool', () => 'ok');
    const outcome = await withCassette({ path, mode: 'record', http: false, onWarning: () => undefined }, async () => {
      const error = await deepTool().catch((e: unknown) => e);
      await shallow();
      return error;
    }).catch((e: unknown) => e);
    expect(outcome).toMatchObject({ name: 'ReplayError', reason: 'args-not-json', message: expect.stringMatching(/deeper than 1000 levels/) });
    const saved = await ToolCallCassette.load(path);
    for (const entry of saved?.entries ?? []) expect(entry.toolId).not.toBe('deep.tool');
  });

  it.each([
    ['an array', '[]', '$'],
    ['null', 'null', '$'],
    ['a number', '42', '$'],
    ['a string', '"cassette"', '$'],
    ['an empty object', '{}', '$.schemaVersion'],
    ['no entries', '{"schemaVersion":1}', '$.entries'],
    ['entries as an object', '{"schemaVersion":1,"entries":{}}', '$.entries'],
    ['a polly.js HAR', '{"log":{"version":"1.2","entries":[]}}', '$.schemaVersion'],
  ])('JSON of the wrong shape (%s): corrupt-cassette at %s', async (_what, text, path) => {
    const error = await loadError(text);
    expect(error.reason).toBe('corrupt-cassette');
    expect(error.jsonPath).toBe(path);
  });
});

// Every field of the format, with what it may hold. Any other JSON type there must be refused at that path.
type Kind = 'string' | 'nonEmptyString' | 'hash' | 'int>=1' | 'object' | 'array' | 'true' | 'false' | 'any' | 'args' | 'stringRecord' | 'toolsRecord' | 'tool' | 'entries' | 'struct' | 'boolean' | 'status' | 'sse';
const FIELDS: Array<[path: Array<string | number>, kind: Kind, optional: boolean]> = [
  [['schemaVersion'], 'int>=1', false],
  [['meta'], 'object', true],
  [['meta', 'tapedeck'], 'string', true],
  [['meta', 'recordedAt'], 'string', true],
  [['meta', 'environment'], 'object', true],
  [['meta', 'environment', 'node'], 'string', true],
  [['meta', 'environment', 'platform'], 'string', true],
  [['meta', 'environment', 'packages'], 'stringRecord', true],
  [['meta', 'environment', 'packages', 'openai'], 'string', true],
  [['meta', 'tools'], 'toolsRecord', true],
  [['meta', 'tools', 'weather.get'], 'tool', true],
  [['meta', 'tools', 'weather.get', 'signature'], 'string', false],
  [['entries'], 'entries', false],
  [['entries', 0], 'struct', false],
  [['entries', 0, 'toolId'], 'nonEmptyString', false],
  [['entries', 0, 'argsHash'], 'hash', false],
  [['entries', 0, 'args'], 'args', false],
  [['entries', 0, 'result'], 'struct', false],
  [['entries', 0, 'result', 'ok'], 'true', false],
  [['entries', 0, 'result', 'value'], 'any', true],
  [['entries', 1, 'result', 'ok'], 'boolean', false], // ok: true with an error kept beside it is a valid result
  [['entries', 1, 'result', 'error'], 'struct', false],
  [['entries', 1, 'result', 'error', 'name'], 'string', false],
  [['entries', 1, 'result', 'error', 'message'], 'string', false],
  [['entries', 1, 'result', 'error', 'data'], 'any', true],
  [['entries', 2, 'result', 'value'], 'struct', false], // an HTTP exchange's recorded response
  [['entries', 2, 'result', 'value', 'status'], 'status', false],
  [['entries', 2, 'result', 'value', 'statusText'], 'string', false],
  [['entries', 2, 'result', 'value', 'headers'], 'stringRecord', false],
  [['entries', 2, 'result', 'value', 'body', 'sse'], 'sse', false],
];

const SAMPLES: unknown[] = [null, true, false, 0, -1, 1.5, 2, '', 'text', 'f'.repeat(64), [], [1, 'a'], {}, { nested: { deep: [null] } }];

function fits(kind: Kind, value: unknown): boolean {
  switch (kind) {
    case 'string':
      return typeof value === 'string';
    case 'nonEmptyString':
      return typeof value === 'string' && value !== '';
    case 'hash': // a well-formed hash that is not the args' own is a hash-mismatch
      return false;
    case 'int>=1':
      return typeof value === 'number' && Number.isInteger(value) && value >= 1;
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    case 'stringRecord':
      return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
    case 'tool':
      return fits('object', value) && typeof (value as { signature?: unknown }).signature === 'string';
    case 'toolsRecord':
      return fits('object', value) && Object.values(value as object).every((v) => fits('tool', v));
    case 'array':
      return Array.isArray(value);
    case 'entries': // of the samples, only an empty list is a valid one
      return Array.isArray(value) && value.length === 0;
    case 'struct': // an entry, a result, an error: none of the samples has their required fields
      return false;
    case 'true':
      return value === true;
    case 'false':
      return value === false;
    case 'boolean':
      return typeof value === 'boolean';
    case 'status': // 200-599: none of the samples
      return false;
    case 'sse': // a list of events; of the samples, only an empty one
      return Array.isArray(value) && value.length === 0;
    case 'any':
    case 'args':
      return true;
  }
}

function setAt(root: unknown, path: ReadonlyArray<string | number>, value: unknown): void {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (value === undefined) delete node[last];
  else node[last] = value;
}

describe('a wrong type in every field', () => {
  it('is refused with corrupt-cassette (or hash-mismatch for args) at exactly that path, or loads where any value fits', async () => {
    let tried = 0;
    for (const [path, kind, optional] of FIELDS) {
      for (const sample of [...SAMPLES, undefined]) {
        if (sample === undefined ? optional : fits(kind, sample)) {
          if (kind === 'args') continue;
          // Allowed here: the file must still load (a value that fits, or an optional field left out).
          const data = validCassette();
          setAt(data, path, sample);
          const outcome = await load(await writeCassette(JSON.stringify(data)));
          expect('loaded' in outcome, `${path.join('.')} = ${JSON.stringify(sample)} should load`).toBe(true);
          continue;
        }
        tried++;
        const data = validCassette();
        setAt(data, path, sample);
        const outcome = await load(await writeCassette(JSON.stringify(data)));
        const what = `${path.join('.')} = ${JSON.stringify(sample) ?? 'missing'}`;
        expect('error' in outcome, `${what} should be refused`).toBe(true);
        const error = (outcome as { error: ReplayError }).error;
        const expectedPath = path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '');
        if (kind === 'args' && sample === undefined) {
          // No args at all: nothing to hash, so the entry is corrupt, at its args.
          expect(error.reason, what).toBe('corrupt-cassette');
          expect(bare(error.jsonPath), what).toBe(expectedPath);
        } else if (kind === 'args' || (kind === 'hash' && typeof sample === 'string' && /^[0-9a-f]{64}$/.test(sample))) {
          expect(error.reason, what).toBe('hash-mismatch');
          expect(bare(error.jsonPath), what).toBe(expectedPath.replace(/argsHash$/, 'args'));
        } else {
          expect(error.reason, what).toBe('corrupt-cassette');
          // zod names the field itself, or (for a missing object) the first field it needed inside it; a
          // flipped `ok` picks the other kind of result, whose own field is then missing.
          // A body is one of several shapes: a wrong one is reported at the body.
          const where = kind === 'true' || kind === 'false' || kind === 'boolean' ? expectedPath.replace(/\.ok$/, '') : kind === 'sse' ? expectedPath.replace(/\.sse$/, '') : expectedPath;
          expect(bare(error.jsonPath).replace(/\["([^"]+)"\]/g, '.$1'), what).toMatch(new RegExp(`^${where.replace(/[.[\]]/g, '\\$&')}`));
          expect(error.message).toContain(error.jsonPath!);
        }
      }
    }
    note(`hostile cassettes: ${tried} wrong-typed fields refused at their JSON path (${FIELDS.length} fields x ${SAMPLES.length + 1} values)`);
  });
});

describe('files that look odd but are valid', () => {
  it('duplicated entries are repeated calls: replayed in order, then exhausted', async () => {
    const data = validCassette();
    const first = data.entries[0]!;
    data.entries.splice(1, 0, structuredClone(first), structuredClone({ ...first, result: { ok: true, value: { temp_f: 70 } } }));
    const outcome = await load(await writeCassette(stableStringify(data)));
    const c = (outcome as { loaded: ToolCallCassette }).loaded;
    const call = { toolId: 'weather.get', args: [{ units: 'f', city: 'SFO' }] };
    expect([c.replay(call), c.replay(call), c.replay(call)]).toEqual([{ temp_f: 62, tags: ['sunny'] }, { temp_f: 62, tags: ['sunny'] }, { temp_f: 70 }]);
    expect(() => c.replay(call)).toThrowError(expect.objectContaining({ reason: 'cassette-miss', exhausted: true }));
  });

  it('a UTF-8 BOM and CRLF line endings (a Windows checkout) load and replay, and are not rewritten', async () => {
    const text = `\ufeff${validText().replace(/\n/g, '\r\n')}`;
    const path = await writeCassette(text);
    const outcome = await load(path);
    expect((outcome as { loaded: ToolCallCassette }).loaded.replay({ toolId: 'weather.get', args: [{ city: 'SFO', units: 'f' }] })).toEqual({ temp_f: 62, tags: ['sunny'] });
    await withCassette({ path, mode: 'auto', http: false, onWarning: () => undefined }, async (cassette) => {
      expect(() => cassette.replay({ toolId: 'search.web', args: ['tapedeck'] })).toThrowError(expect.objectContaining({ name: 'RateLimitError', message: 'rate limited' }));
    });
    expect(await readFile(path, 'utf8')).toBe(text);
  });

  it('a future schemaVersion loads with a warning when its entries validate, and is refused otherwise', async () => {
    const future = { ...validCassette(), schemaVersion: 7, compression: 'none' };
    delete future.meta!.tools; // so the plain tool() below matches its recorded (absent) signature
    const path = await writeCassette(stableStringify(future));
    const c = ((await load(path)) as { loaded: ToolCallCassette }).loaded;
    expect(c.warnings.join('\n')).toContain(`${path} has schemaVersion 7 (newer than 1)`);
    // Through the lifecycle the warning reaches the user once a call is replayed.
    const warnings: string[] = [];
    const weather = tool('weather.get', (_args: { city: string; units: string }): unknown => {
      throw new Error('must be replayed, not called');
    });
    await withCassette({ path, mode: 'replay', http: false, onWarning: (w) => warnings.push(w) }, async () => {
      expect(await weather({ city: 'SFO', units: 'f' })).toEqual({ temp_f: 62, tags: ['sunny'] });
    });
    expect(warnings.join('\n')).toContain('schemaVersion 7');

    const changed = { schemaVersion: 8, entries: [{ tool: 'weather.get', key: 'abc', output: 1 }] };
    const error = await loadError(stableStringify(changed));
    expect(error.reason).toBe('schema-version-unsupported');
    expect(error.jsonPath).toBe('$.entries[0].toolId');
  });

  it('hand-edited args are hash-mismatch naming the entry, its tool and both hashes', async () => {
    const data = validCassette();
    (data.entries[0]!.args as Array<{ city: string }>)[0]!.city = 'LAX';
    const error = await loadError(stableStringify(data));
    expect(error.reason).toBe('hash-mismatch');
    expect(error.toolId).toBe('weather.get');
    expect(bare(error.jsonPath)).toBe('entries[0].args');
    expect(error.message).toContain(argsHash([{ city: 'LAX', units: 'f' }]));
    expect(error.message).toContain(data.entries[0]!.argsHash);
  });

  it('the same errors reach a test through withCassette, before its body runs', async () => {
    const path = await writeCassette('{"schemaVersion":1,"entries":[{"toolId":""}]}');
    let ran = false;
    const error = await withCassette({ path, mode: 'replay', http: false }, () => {
      ran = true;
    }).catch((e: unknown) => e);
    expect(ran).toBe(false);
    expect(error).toBeInstanceOf(ReplayError);
    expect(error).toMatchObject({ reason: 'corrupt-cassette', cassettePath: path, jsonPath: '$.entries[0].toolId' });
  });
});

describe('a damaged HTTP recording', () => {
  it.each([
    ['a status fetch cannot build', (v: Record<string, unknown>) => (v.status = 99), 'status'],
    ['a status as a string', (v: Record<string, unknown>) => (v.status = '200'), 'status'],
    ['a line break in the status text', (v: Record<string, unknown>) => (v.statusText = 'O\nK'), 'statusText'],
    ['no headers', (v: Record<string, unknown>) => (v.headers = null), 'headers'],
    ['a header name with a space', (v: Record<string, unknown>) => (v.headers = { 'content type': 'x' }), 'headers'],
    ['a header value with a line break', (v: Record<string, unknown>) => (v.headers = { 'x-a': 'b\r\nx-injected: 1' }), 'headers["x-a"]'],
    ['no body', (v: Record<string, unknown>) => delete v.body, 'body'],
    ['a body of no known kind', (v: Record<string, unknown>) => (v.body = { html: '<p>' }), 'body'],
    ['a body of two kinds', (v: Record<string, unknown>) => (v.body = { json: {}, text: '' }), 'body'],
    ['a text body that is not text', (v: Record<string, unknown>) => (v.body = { text: 5 }), 'body.text'],
    ['an SSE stream that is not a list', (v: Record<string, unknown>) => (v.body = { sse: 'data: x' }), 'body.sse'],
    ['an SSE event with a negative delay', (v: Record<string, unknown>) => (v.body = { sse: [{ data: 'x', delayMs: -1 }] }), 'body.sse[0].delayMs'],
    ['an SSE event without data', (v: Record<string, unknown>) => (v.body = { sse: [{ event: 'x' }] }), 'body'],
    ['no response at all', (v: Record<string, unknown>) => Object.keys(v).forEach((k) => delete v[k]), 'status'],
  ])('%s: corrupt-cassette at its path before the test runs, not a bare "fetch failed"', async (_what, damage, field) => {
    const data = validCassette();
    const http = data.entries.findIndex((e) => e.toolId.startsWith('http:'));
    damage((data.entries[http]!.result as { value: Record<string, unknown> }).value);
    const path = await writeCassette(stableStringify(data));
    let ran = false;
    const error = await withCassette({ path, mode: 'replay', onWarning: () => undefined }, () => {
      ran = true;
    }).catch((e: unknown) => e);
    expect(ran).toBe(false);
    expect(error).toBeInstanceOf(ReplayError);
    expect(error).toMatchObject({ reason: 'corrupt-cassette', cassettePath: path });
    expect((error as ReplayError).jsonPath).toMatch(new RegExp(`^\\$\\.entries\\[${http}\\]\\.result\\.value\\.${field.replace(/[.[\]"]/g, '\\$&')}`));
  });

  it('a recorded network error (ok: false) needs no response', async () => {
    const data = validCassette();
    const http = data.entries.findIndex((e) => e.toolId.startsWith('http:'));
    data.entries[http]!.result = { ok: false, error: { name: 'TypeError', message: 'fetch failed' } };
    expect('loaded' in (await load(await writeCassette(stableStringify(data))))).toBe(true);
  });
});

describe('a 50 MB cassette', () => {
  it('loads (every entry validated and hashed) and replays; time and heap are reported', async () => {
    const bigDir = join(dir, 'big');
    await mkdir(bigDir);
    const path = join(bigDir, 'big.json');
    // 20,000 HTTP-shaped entries of ~2.6 KB each: an agent's long session, or a few large responses.
    const entries = [];
    for (let i = 0; i < 20_000; i++) {
      const args = { query: { page: String(i) }, body: { model: 'gpt-4o', messages: [{ role: 'user', content: `question ${i}` }] } };
      entries.push({
        toolId: 'http:POST https://api.openai.com/v1/chat/completions',
        argsHash: argsHash(args),
        args,
        result: { ok: true, value: { status: 200, statusText: 'OK', headers: { 'content-type': 'application/json' }, body: { json: { id: `chatcmpl-${i}`, content: `answer ${i} `.padEnd(2200, 'lorem ipsum ') } } } },
      });
    }
    const text = stableStringify({ schemaVersion: 1, meta: { tapedeck: '0.1.0' }, entries });
    await writeFile(path, text);
    const sizeMB = Buffer.byteLength(text) / 2 ** 20;
    expect(sizeMB).toBeGreaterThan(50);
    const last = entries.at(-1)!;
    const run = await runScript('load-big.ts', [path, last.toolId, JSON.stringify(last.args)], { nodeArgs: ['--expose-gc'] });
    expect(run.code, run.stderr).toBe(0);
    const m = JSON.parse(run.stdout) as { entries: number; loadMs: number; replayMs: number; heapBeforeMB: number; heapAfterLoadMB: number; heapRetainedMB: number; rssMB: number; value: unknown };
    expect(m.entries).toBe(20_000);
    expect(m.value).toEqual(last.result.value);
    note(`50 MB cassette (${sizeMB.toFixed(1)} MB, 20,000 entries): load ${m.loadMs.toFixed(0)} ms, replay of the last entry ${m.replayMs.toFixed(2)} ms; ` +
      `heap ${m.heapBeforeMB.toFixed(0)} -> ${m.heapAfterLoadMB.toFixed(0)} MB right after load, ${m.heapRetainedMB.toFixed(0)} MB retained; rss ${m.rssMB.toFixed(0)} MB`);
    // Kept as parsed JSON (strings are shared, not copied per entry): a multiple of the file, not more.
    expect(m.heapRetainedMB - m.heapBeforeMB).toBeLessThan(sizeMB * 4);
  });
});

describe('random damage to a valid cassette (fast-check)', () => {
  const base = validText();
  const baseData = JSON.parse(base) as unknown;

  // Text damage: what a bad merge, an editor or a disk can do to the bytes.
  const textEdit = fc.oneof(
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.string({ unit: 'binary', maxLength: 8 }), fc.constantFrom('{', '}', '[', ']', ',', ':', '"', '\\', '\\u12', 'null', '1e999', '-', '\u0000', '\ufeff')) }),
    fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 200 }) }),
  );
  const applyText = (text: string, edit: { kind: string; at: number; length?: number; text?: string }): string => {
    const at = edit.at % (text.length + 1);
    switch (edit.kind) {
      case 'truncate':
        return text.slice(0, at);
      case 'delete':
        return text.slice(0, at) + text.slice(at + edit.length!);
      case 'insert':
        return text.slice(0, at) + edit.text! + text.slice(at);
      default:
        return text.slice(0, at) + text.slice(at, at + edit.length!) + text.slice(at);
    }
  };

  // Structural damage: a field replaced, removed or added, anywhere in the tree.
  const hostileKey = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('__proto__', 'constructor', 'toString', 'ok', 'value', 'error', 'entries', 'schemaVersion', 'args', 'argsHash'));
  const hostileValue = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.constantFrom(null, '', 0, -1, 2, 1e308, true, [], {}, { ok: true }, { ok: false, error: {} }, '0'.repeat(64), 'sk-'),
  );
  const structEdit = fc.record({
    kind: fc.constantFrom('replace' as const, 'remove' as const, 'add' as const),
    pick: fc.nat(),
    key: hostileKey,
    value: hostileValue,
  });
  type Slot = { parent: Record<string, unknown> | unknown[]; key: string | number };
  const slotsOf = (value: unknown): Slot[] => {
    const out: Slot[] = [];
    const walk = (v: unknown): void => {
      if (v === null || typeof v !== 'object') return;
      for (const [k, item] of Object.entries(v)) {
        out.push({ parent: v as Slot['parent'], key: Array.isArray(v) ? Number(k) : k });
        walk(item);
      }
    };
    walk(value);
    return out;
  };
  const applyStruct = (edit: { kind: 'replace' | 'remove' | 'add'; pick: number; key: string; value: unknown }): string => {
    const data = structuredClone(baseData);
    const slots = slotsOf(data);
    const { parent, key } = slots[edit.pick % slots.length]!;
    const record = parent as Record<string | number, unknown>;
    const target = record[key];
    if (edit.kind === 'replace') {
      record[key] = edit.value;
    } else if (edit.kind === 'remove') {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete record[key];
    } else if (Array.isArray(target)) {
      target.push(edit.value);
    } else if (target !== null && typeof target === 'object') {
      // defineProperty, so that a key like `__proto__` becomes a real field, as JSON.parse makes it.
      Object.defineProperty(target, edit.key, { value: edit.value, enumerable: true, configurable: true, writable: true });
    }
    return JSON.stringify(data, null, 2);
  };

  const damaged = fc.oneof(
    fc.array(textEdit, { minLength: 1, maxLength: 3 }).map((edits) => edits.reduce<string>((text, e) => applyText(text, e), base)),
    structEdit.map(applyStruct),
  );

  it('every damaged file loads, or throws a ReplayError naming it; a loaded one replays without TypeErrors', async () => {
    const counts = { loaded: 0, refused: 0 } as Record<string, number>;
    const numRuns = runs(300);
    await fc.assert(
      fc.asyncProperty(damaged, async (text) => {
        const path = await writeCassette(text);
        const outcome = await load(path);
        if ('error' in outcome) {
          expect(['corrupt-cassette', 'hash-mismatch', 'schema-version-unsupported']).toContain(outcome.error.reason);
          counts[outcome.error.reason] = (counts[outcome.error.reason] ?? 0) + 1;
          counts.refused!++;
          return;
        }
        counts.loaded!++;
        const c = outcome.loaded;
        for (const entry of c.entries) {
          try {
            c.replay({ toolId: entry.toolId, args: entry.args });
          } catch (error) {
            // A recorded error comes back with its recorded name and message; nothing else may escape: an
            // entry just loaded is always found (a ReplayError here would be a lookup bug).
            expect(error).not.toBeInstanceOf(ReplayError);
            expect(entry.result.ok).toBe(false);
            expect((error as Error).message).toBe((entry.result as { error: { message: string } }).error.message);
          }
        }
        // What a loaded cassette writes back loads again, equal (unknown fields kept).
        const again = ToolCallCassette.fromJSON(JSON.parse(c.serialize(path)), path);
        expect(again.toJSON()).toEqual(c.toJSON());
      }),
      { numRuns },
    );
    note(`hostile cassettes: ${numRuns} randomly damaged files: ${JSON.stringify(counts)}`);
  });
});
