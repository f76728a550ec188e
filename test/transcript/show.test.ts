import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { argsHash } from '../../src/hash.js';
import { run, tempDir, writeJson } from '../cli/helpers.js';

const root = join(import.meta.dirname, '..', '..');
const FIXTURES = 'test/fixtures/transcripts';
const cassettesIn = (dir: string): string[] =>
  readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    // Cassettes only: not a runner's cache (examples/node_modules/.vite after `npm run example`).
    .filter((name) => name.endsWith('.json') && !name.split(/[\\/]/).includes('node_modules'))
    .map((name) => `${dir}/${name}`)
    .sort();
const golden = (file: string) => `__golden__/${file.replace(/^(examples|test\/fixtures)\//, '').replace('/__cassettes__/', '/').replace(/\.json$/, '.txt')}`;

describe('tapedeck show: golden transcripts', () => {
  // Example cassettes (OpenAI chat JSON with tool calls, streamed chat, plain HTTP, tool() calls) and the
  // fixtures recorded through the real SDKs by test/fixtures/transcripts/record.ts.
  const files = [...cassettesIn('examples'), ...cassettesIn(FIXTURES)];
  it('covers every API the transcript reads', () => {
    expect(files.length).toBeGreaterThanOrEqual(15);
  });
  it.each(files)('%s', async (file) => {
    const { code, out, err } = await run(['show', '--plain', file], root);
    expect(err).toBe('');
    expect(code).toBe(0);
    await expect(`${out}\n`).toMatchFileSnapshot(golden(file));
  });
});

describe('tapedeck show', () => {
  it('prints the example agent as its conversation', async () => {
    const { code, out } = await run(['show', 'examples/agent', '-t', 'answers with both tools'], root);
    expect(code).toBe(0);
    expect(out).toContain('weather agent › answers with both tools');
    expect(out).toContain('user       What is the weather in SFO, and what is (62 - 32) * 5 / 9?');
    expect(out).toContain('→ get_weather({"city":"SFO"})');
    expect(out).toContain('#2 tool  weather.get({"city":"SFO"})');
    expect(out).toContain('assistant  It is 62°F with fog in SFO. (62 - 32) * 5 / 9 = 16.667.');
    expect(out).toContain('gpt-4o-mini-fake · 52 in / 18 out');
    expect(out).not.toContain('\u001b[');
  });

  it('uses colours only when told the output is a terminal', async () => {
    const coloured = await run(['show', `${FIXTURES}/anthropic-tools.json`], root, true);
    expect(coloured.out).toContain('\u001b[1mllm\u001b[22m');
    const plain = await run(['show', '--plain', `${FIXTURES}/anthropic-tools.json`], root, true);
    expect(plain.out).not.toContain('\u001b[');
  });

  it('shows recorded timings, except with --plain', async () => {
    const file = `${FIXTURES}/anthropic-tools-stream.json`;
    expect((await run(['show', file], root)).out).toMatch(/streamed in 12 events over \d+ ms/);
    expect((await run(['show', file], root)).out).toMatch(/recorded 20\d\d-/);
    expect((await run(['show', '--plain', file], root)).out).not.toMatch(/ over \d+ ms|recorded 20/);
  });

  it('emits the same model as JSON', async () => {
    const { code, out } = await run(['show', '--json', `${FIXTURES}/openai-responses-stream.json`], root);
    expect(code).toBe(0);
    const [transcript] = JSON.parse(out) as Array<{ tools: string[]; models: string[]; steps: Array<Record<string, unknown>> }>;
    expect(transcript!.tools).toEqual(['get_weather', 'weather.get']);
    expect(transcript!.models).toEqual(['gpt-4.1-mini-2025-04-14']);
    expect(transcript!.steps.map((s) => s.kind)).toEqual(['llm', 'tool', 'llm']);
    expect(transcript!.steps[0]).toMatchObject({ api: 'openai-responses', stream: true, answer: { text: '', toolCalls: [{ name: 'get_weather', args: { city: 'SFO' } }] } });
    expect(transcript!.steps[2]).toMatchObject({ repeated: 3, answer: { text: 'It is 62°F and foggy in SFO.', finishReason: 'completed' }, tokens: { input: 80, output: 12 } });
  });

  it('shows every request message with --full', async () => {
    const { out } = await run(['show', '--full', `${FIXTURES}/gemini.json`], root);
    expect(out).not.toContain('earlier messages');
    expect(out.match(/user {7}What is the weather in SFO\?/g)).toHaveLength(2);
  });

  it('masks credentials a cassette holds, in text and in JSON', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const key = `sk-proj-${'A1b2C3d4'.repeat(5)}`;
      const args = [`my key is ${key}\nkeep it`];
      await writeJson(join(dir, 'leak.json'), {
        schemaVersion: 1,
        entries: [{ toolId: 'notes.save', argsHash: argsHash(args), args, result: { ok: true, value: { saved: `"${key}"` } } }],
      });
      for (const argv of [['show', 'leak.json'], ['show', '--json', 'leak.json']]) {
        const { out } = await run(argv, dir);
        expect(out).not.toContain(key);
        expect(out).toContain('[masked: ');
      }
    } finally {
      await cleanup();
    }
  });

  it('fails with the reason when a cassette is invalid or nothing matches', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await writeJson(join(dir, 'bad.json'), { schemaVersion: 1, entries: [{ toolId: '' }] });
      const bad = await run(['show', 'bad.json'], dir);
      expect(bad.code).toBe(1);
      expect(bad.err).toMatch(/^tapedeck: bad\.json: .*tapedeck check bad\.json/);
      const none = await run(['show', 'examples/agent', '-t', 'no such test'], root);
      expect(none.code).toBe(1);
      expect(none.err).toBe('tapedeck: no cassette\'s test name contains "no such test"');
    } finally {
      await cleanup();
    }
  });
});
