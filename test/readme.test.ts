// Every code block in the README must be true: embedded example files match the files (which the example
// suites run), free-standing TypeScript blocks are executed, the cassette JSON loads, and the commands exist.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { responseToStored } from '../src/http/exchange.js';
import { ToolCallCassette } from '../src/index.js';

const root = join(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

interface Block {
  lang: string;
  code: string;
  file?: string;
  line: number;
}
const blocks: Block[] = [];
const fence = /(?:<!-- file: (\S+) -->\n)?```(\w*)\n([\s\S]*?)```/g;
for (const m of readme.matchAll(fence)) {
  blocks.push({ lang: m[2]!, code: m[3]!, ...(m[1] ? { file: m[1] } : {}), line: readme.slice(0, m.index).split('\n').length });
}

// Inside the repo, so `import 'tapedeck'` resolves to the built package through its own exports.
const scratch = join(root, 'test', '.readme-blocks');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('README', () => {
  it('has code blocks of every kind it promises', () => {
    expect(blocks.filter((b) => b.file).length).toBeGreaterThanOrEqual(2);
    expect(blocks.filter((b) => b.lang === 'ts' && !b.file).length).toBeGreaterThanOrEqual(3);
    expect(blocks.some((b) => b.lang === 'json')).toBe(true);
  });

  it.each(blocks.filter((b) => b.file).map((b) => [b.file!, b]))('embeds %s verbatim', (file, block) => {
    expect(block.code).toBe(readFileSync(join(root, file), 'utf8'));
  });

  it.each(blocks.filter((b) => b.lang === 'ts' && !b.file).map((b) => [b.line, b]))('runs the TypeScript block at line %i', (_line, block) => {
    mkdirSync(scratch, { recursive: true });
    const file = join(scratch, `block-${block.line}.ts`);
    // console.assert only prints; in a README example a false assertion must fail the test.
    writeFileSync(file, `console.assert = (ok: unknown, ...m: unknown[]) => { if (!ok) throw new Error('README assertion failed: ' + m.join(' ')); };\n${block.code}\nexport {};\n`);
    execFileSync(process.execPath, ['--import', 'tsx', file], { cwd: root, stdio: 'pipe', env: { ...process.env, CI: '', RECORD: '' } });
  });

  it('shows a cassette that loads, with correct hashes', async () => {
    const json = blocks.find((b) => b.lang === 'json')!;
    const cassette = ToolCallCassette.fromJSON(JSON.parse(json.code), 'README.md');
    expect(cassette.replay({ toolId: 'weather.get', args: [{ city: 'SFO' }] })).toEqual({ conditions: 'fog', temp_f: 62 });
    // And it shows the file as tapedeck writes it, key order included: everything sorted but results,
    // which keep their live order (for HTTP, the order responseToStored builds).
    const shown = JSON.parse(json.code) as { entries: Array<{ result: { value: object } }> };
    expect(JSON.stringify(shown)).toBe(JSON.stringify(JSON.parse(cassette.serialize('README.md'))));
    const live = await responseToStored(new Response('{"temp_f":48}', { headers: { 'content-type': 'application/json' } }), {});
    expect(Object.keys(shown.entries[1]!.result.value)).toEqual(Object.keys(live));
  });

  it('names only npm scripts and CLI commands that exist', () => {
    const scripts = Object.keys((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);
    const named = [...readme.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(2);
    for (const name of named) expect(scripts).toContain(name);
    const commands = new Set([...readme.matchAll(/npx tapedeck (\w+)/g)].map((m) => m[1]!));
    expect(commands.size).toBe(6);
    // The built CLI answers --help for each command it is said to have (exit 0), and refuses others.
    for (const command of commands) execFileSync(process.execPath, [join(root, 'dist', 'cli.js'), command, '--help'], { stdio: 'pipe' });
    expect(() => execFileSync(process.execPath, [join(root, 'dist', 'cli.js'), 'nonsense', '--help'], { stdio: 'pipe' })).toThrow();
  });
});
