import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ToolCallCassette } from '../../src/cassette.js';
import { runCli } from '../../src/cli/run.js';
import type { CassetteFile } from '../../src/format.js';
import { stableStringify } from '../../src/store.js';

/** A fresh temp folder; `cleanup` removes it. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'tapedeck-cli-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Runs the CLI in-process in `cwd`, capturing stdout and stderr lines. */
export async function run(argv: string[], cwd: string, color = false): Promise<{ code: number; out: string; err: string; lines: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { cwd, out: (line) => out.push(line), err: (line) => err.push(line), color });
  const text = out.join('\n');
  return { code, out: text, err: err.join('\n'), lines: text === '' ? [] : text.split('\n') };
}

/** A small, valid weather-agent cassette: two weather calls (one repeated), a calculator, an HTTP call. */
export function weatherCassette(): ToolCallCassette {
  const c = new ToolCallCassette();
  c.record({ toolId: 'weather.get', args: [{ city: 'SFO' }], output: { temp_f: 62 } });
  c.record({ toolId: 'calc.eval', args: ['6*7'], output: 42 });
  c.record({ toolId: 'weather.get', args: [{ city: 'SFO' }], output: { temp_f: 63 } });
  c.record({
    toolId: 'http:POST https://api.openai.com/v1/chat/completions',
    args: { query: {}, body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'weather in SFO?' }] } },
    output: { status: 200, statusText: 'OK', headers: { 'content-type': 'application/json' }, body: { json: { id: 'chatcmpl-1', choices: [{ message: { content: 'It is 62F.' } }] } } },
  });
  c.setSignature('weather.get', 'a'.repeat(64));
  c.updateMeta({ tapedeck: '0.1.0', recordedAt: '2026-11-23T10:00:00.000Z' });
  return c;
}

/** Saves a cassette with the core API (atomic, stable formatting, secret scan). */
export async function saveCassette(path: string, cassette: ToolCallCassette = weatherCassette()): Promise<string> {
  await cassette.save(path);
  return path;
}

/** Writes cassette content by hand (for planting what `save` would refuse), with stable formatting. */
export async function writeJson(path: string, data: unknown): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, typeof data === 'string' ? data : stableStringify(data));
  return path;
}

/** The file content of the weather cassette, to edit before {@link writeJson}. */
export function weatherFile(): CassetteFile {
  return weatherCassette().toJSON();
}
