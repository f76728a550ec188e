import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkCassetteText } from '../../src/cli/check.js';
import { argsHash } from '../../src/hash.js';
import { stableStringify } from '../../src/store.js';
import { run, saveCassette, tempDir, weatherCassette, weatherFile, writeJson } from './helpers.js';

const folder = join('test', '__cassettes__', 'agent.test.ts');

describe('tapedeck check', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(() => cleanup());

  it('passes clean cassettes with exit 0 and a summary line', async () => {
    await saveCassette(join(dir, folder, 'agent answers.json'));
    await saveCassette(join(dir, folder, 'strict one.json'));
    await saveCassette(join(dir, 'other', '__cassettes__', 'x.test.ts', 'deep.json'));
    const result = await run(['check'], dir);
    expect(result.code).toBe(0);
    expect(result.lines).toEqual(['tapedeck check: 3 cassettes checked, no problems']);
  });

  it('names every planted problem as file: json.path: kind, across all files, and exits 1', async () => {
    const good = await saveCassette(join(dir, folder, 'good.json'));
    const text = stableStringify(weatherFile());
    await writeJson(join(dir, folder, 'truncated.json'), text.slice(0, Math.floor(text.length / 2)));
    await writeJson(join(dir, folder, 'wrong shape.json'), { schemaVersion: 1, entries: { not: 'an array' } });

    const edited = weatherFile();
    (edited.entries[1]!.args as string[])[0] = '6*8'; // hand-edited args: the stored hash no longer fits
    edited.entries[3]!.argsHash = 'not-a-hash';
    await writeJson(join(dir, folder, 'edited.json'), edited);

    const future = weatherFile() as unknown as { schemaVersion: number; entries: Array<Record<string, unknown>> };
    future.schemaVersion = 2;
    future.entries[0]!.result = { ok: 'maybe' };
    await writeJson(join(dir, folder, 'future.json'), future);

    const leaky = weatherFile();
    (leaky.entries[3]!.result as { value: { body: { json: { echo?: string } } } }).value.body.json.echo = `key sk-proj-${'A1b2C3d4'.repeat(4)}`;
    await writeJson(join(dir, folder, 'leaky.json'), leaky);

    const result = await run(['check', 'test'], dir);
    expect(result.code).toBe(1);
    const f = (name: string) => `${folder}/${name}`;
    expect(result.lines).toEqual([
      `${f('edited.json')}: $.entries[1].args: hash-mismatch: calc.eval: args hash to ${argsHash(['6*8'])}, not to the stored argsHash ${argsHash(['6*7']).slice(0, 12)}… (edited by hand or merged badly): re-record (RECORD=1), or set argsHash to the new hash if the edit was intended`,
      `${f('edited.json')}: $.entries[3].argsHash: corrupt-cassette: must be 64 lowercase hex characters (a SHA-256)`,
      `${f('future.json')}: $.entries[0].result.ok: schema-version-unsupported: schemaVersion is newer than 1 (what this tapedeck reads), and this does not fit version 1: Invalid discriminator value. Expected 'true' | 'false'`,
      `${f('leaky.json')}: $.entries[3].result.value.body.json.echo: secret-detected: looks like an OpenAI API key; redact it and re-record`,
      expect.stringMatching(new RegExp(`^${f('truncated.json')}: \\$: invalid-json: not valid JSON \\(line \\d+, column \\d+\\): `)),
      `${f('wrong shape.json')}: $.entries: corrupt-cassette: Invalid input: expected array, received object`,
      'tapedeck check: 6 problems in 5 files (6 cassettes checked)',
    ]);
    expect(result.out).not.toContain(good.slice(dir.length + 1));
  });

  it('accepts a newer schemaVersion whose entries validate, with a warning that does not fail', async () => {
    await writeJson(join(dir, folder, 'newer.json'), { ...weatherFile(), schemaVersion: 3, futureField: { kept: true } });
    const result = await run(['check'], dir);
    expect(result.code).toBe(0);
    expect(result.lines[0]).toBe(
      `${folder}/newer.json: $.schemaVersion: warning: schemaVersion 3 is newer than 1; its entries still validate, so it is read as version 1 (upgrade tapedeck)`,
    );
    expect(result.lines[1]).toBe('tapedeck check: 1 cassette checked, no problems, 1 warning');
  });

  it('reports duplicate keys and merge-conflict markers, which JSON.parse would hide or choke on', async () => {
    const text = stableStringify(weatherFile());
    await writeJson(join(dir, folder, 'dup.json'), text.replace('"toolId": "calc.eval"', '"toolId": "calc.eval", "toolId": "calc.eval"'));
    await writeJson(join(dir, folder, 'merge.json'), '{\n  "entries": [],\n<<<<<<< HEAD\n  "schemaVersion": 1\n=======\n  "schemaVersion": 2\n>>>>>>> theirs\n}\n');
    const result = await run(['check'], dir);
    expect(result.code).toBe(1);
    expect(result.lines).toContain(`${folder}/dup.json: $.entries[1].toolId: duplicate-key: key "toolId" appears more than once in its object; JSON keeps only the last`);
    expect(result.lines).toContain(`${folder}/merge.json: $: merge-conflict: git conflict markers (first at line 3): resolve the merge, or re-record the cassette`);
  });

  it('reports every entry problem of one file, not only the first', () => {
    const file = weatherFile() as unknown as { entries: Array<Record<string, unknown>> };
    file.entries[0]!.toolId = '';
    delete file.entries[1]!.result;
    file.entries[2]!.args = [{ city: 'LAX' }];
    const problems = checkCassetteText(JSON.stringify(file), 'x.json');
    expect(problems.map((p) => `${p.path} ${p.kind}`)).toEqual([
      '$.entries[0].toolId corrupt-cassette',
      '$.entries[1].result corrupt-cassette',
      '$.entries[2].args hash-mismatch',
    ]);
  });

  it('finds cassettes outside __cassettes__ by their shape, and skips node_modules, dot-folders and dot-files', async () => {
    await writeJson(join(dir, 'package.json'), { name: 'app', schemaVersion: 'not a cassette: no entries' });
    await writeJson(join(dir, 'fixtures', 'explicit-path.json'), { ...weatherFile(), entries: 'broken' });
    await writeJson(join(dir, 'node_modules', 'dep', '__cassettes__', 'a.test.ts', 'x.json'), '{ broken');
    await writeJson(join(dir, '.cache', '__cassettes__', 'a.test.ts', 'x.json'), '{ broken');
    await writeJson(join(dir, folder, '.agent answers.json.123.tmp'), '{ broken');
    await writeJson(join(dir, folder, '.tapedeck-unused.json'), { version: 1, cassettes: {} });
    const result = await run(['check'], dir);
    expect(result.lines).toEqual([
      'fixtures/explicit-path.json: $.entries: corrupt-cassette: Invalid input: expected array, received string',
      'tapedeck check: 1 problem in 1 file (1 cassette checked)',
    ]);
  });

  it('checks a file named on the command line whatever its name or place', async () => {
    const path = await writeJson(join(dir, 'notes', 'cassette.txt'), '[]');
    const result = await run(['check', path], dir);
    expect(result.code).toBe(1);
    expect(result.lines[0]).toBe('notes/cassette.txt: $: corrupt-cassette: expected a cassette object { schemaVersion, meta, entries }, found an array');
  });

  it('compares recorded tool signatures with --signatures, only for tools the cassette uses', async () => {
    await saveCassette(join(dir, folder, 'a.json'));
    const signatures = join(dir, 'signatures.json');
    await writeFile(signatures, JSON.stringify({ 'weather.get': 'a'.repeat(64), 'calc.eval': null, 'unused.tool': 'c'.repeat(64) }));
    expect((await run(['check', '--signatures', 'signatures.json'], dir)).code).toBe(0);

    await writeFile(signatures, JSON.stringify({ 'weather.get': 'b'.repeat(64), 'calc.eval': 'd'.repeat(64) }));
    const result = await run(['check', '--signatures', signatures], dir);
    expect(result.code).toBe(1);
    expect(result.lines.slice(0, 2)).toEqual([
      `${folder}/a.json: $.meta.tools["weather.get"].signature: tool-signature-mismatch: weather.get was recorded with signature ${'a'.repeat(64)}, and its signature is now ${'b'.repeat(64)}: replay would refuse it; re-record the tests that use it`,
      `${folder}/a.json: $.meta.tools["calc.eval"].signature: tool-signature-mismatch: calc.eval was recorded with signature (none), and its signature is now ${'d'.repeat(64)}: replay would refuse it; re-record the tests that use it`,
    ]);
  });

  it('prints machine-readable problems with --json', async () => {
    const file = weatherFile();
    file.entries[0]!.argsHash = 'f'.repeat(64);
    await writeJson(join(dir, folder, 'bad.json'), file);
    const result = await run(['check', '--json'], dir);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.out) as { cassettes: number; problems: Array<Record<string, string>> };
    expect(report.cassettes).toBe(1);
    expect(report.problems).toEqual([
      { file: `${folder}/bad.json`, path: '$.entries[0].args', severity: 'error', kind: 'hash-mismatch', message: expect.stringContaining('weather.get: args hash to') },
    ]);
  });

  it('exits 2 on usage errors: unknown option, missing path, bad --signatures file', async () => {
    const unknown = await run(['check', '--frobnicate'], dir);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("Unknown option '--frobnicate'");
    expect(unknown.err).toContain('tapedeck check --help');
    const missing = await run(['check', 'nowhere'], dir);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('no such file or directory: nowhere');
    await writeFile(join(dir, 'sigs.json'), JSON.stringify({ 'weather.get': 42 }));
    const badSigs = await run(['check', '--signatures', 'sigs.json'], dir);
    expect(badSigs.code).toBe(2);
    expect(badSigs.err).toContain('"weather.get" must map to a signature string or null');
  });

  it('documents exit codes and output in --help', async () => {
    const result = await run(['check', '--help'], dir);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/Exit codes:\n {2}0 .*\n {2}1 .*\n {2}2 /);
    expect(result.out).toContain('<file>: <json.path>: <kind>: <what>');
  });

  it('accepts whatever the core save writes (recorded errors included), and an empty folder', async () => {
    const path = join(dir, folder, 'roundtrip.json');
    const cassette = weatherCassette();
    cassette.recordError({ toolId: 'weather.get', args: [{ city: 'Atlantis' }], error: Object.assign(new Error('no such city'), { data: { code: 404 } }) });
    await saveCassette(path, cassette);
    await mkdir(join(dir, 'empty-folder'));
    expect((await run(['check', path, 'empty-folder'], dir)).lines).toEqual(['tapedeck check: 1 cassette checked, no problems']);
  });

  it('checks a dot-file cassette too (a planted key in `.hidden cassette.json` fails), skipping only tapedeck\'s own notes', async () => {
    const leaky = weatherFile();
    (leaky.entries[3]!.result as { value: { body: { json: { echo?: string } } } }).value.body.json.echo = `key sk-proj-${'A1b2C3d4'.repeat(4)}`;
    await writeJson(join(dir, folder, '.hidden cassette.json'), leaky);
    await writeJson(join(dir, folder, '.tapedeck-unused.json'), { version: 1, cassettes: {} });
    const result = await run(['check'], dir);
    expect(result.code).toBe(1);
    expect(result.out).toContain('.hidden cassette.json');
    expect(result.out).not.toContain('.tapedeck-unused.json');
    const listed = await run(['list', '--json'], dir);
    expect(listed.out).toContain('.hidden cassette.json');
  });

  it('deep but valid JSON is one corrupt-cassette problem for that file; check, list and diff go on (no exit 70)', async () => {
    const deep = `${'['.repeat(100_000)}1${']'.repeat(100_000)}`;
    await writeJson(join(dir, folder, 'deep.json'), `{"schemaVersion":1,"entries":[{"toolId":"t","argsHash":"${'0'.repeat(64)}","args":[],"result":{"ok":true,"value":${deep}}}]}`);
    await writeJson(join(dir, folder, 'wrong shape.json'), { schemaVersion: 1, entries: { not: 'an array' } });
    await saveCassette(join(dir, folder, 'good.json'));
    const checked = await run(['check'], dir);
    expect(checked.code).toBe(1);
    expect(checked.lines).toEqual([
      `${folder}/deep.json: $.entries[0].result: corrupt-cassette: nested deeper than 1000 levels, more than tapedeck (or the JavaScript engine) can walk`,
      expect.stringContaining(`${folder}/wrong shape.json: $.entries: corrupt-cassette`),
      'tapedeck check: 2 problems in 2 files (3 cassettes checked)',
    ]);
    const listed = await run(['list'], dir);
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/deep\.json .*invalid: \$\.entries\[0\]\.result: corrupt-cassette: nested deeper/);
    const diffed = await run(['diff', join(folder, 'deep.json'), join(folder, 'good.json')], dir);
    expect(diffed.code).toBe(2);
    expect(diffed.err).toContain('nested deeper than 1000 levels');
  });
});
