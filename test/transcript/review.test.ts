// Reviewing a re-record: `tapedeck diff` reads both recordings as conversations, and git shows a
// cassette's diff as a transcript diff through the documented driver.
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withCassette } from '../../src/index.js';
import type { FakeChange } from '../helpers/agent-fakes.js';
import { agents } from '../helpers/agents.js';
import type { LoopbackServer } from '../helpers/server.js';
import { run } from '../cli/helpers.js';

const root = join(import.meta.dirname, '..', '..');
const agent = agents['Anthropic Messages (streamed tool_use)']!;
let change: FakeChange = {};
let server: LoopbackServer;
let dir: string;

/** Records the agent against the fake as it is now (the same server: the same URLs, as a real API's). */
async function recordAs(name: string, now: FakeChange): Promise<string> {
  change = now;
  const path = join(dir, `${name}.json`);
  await withCassette({ path, mode: 'record', onWarning: () => undefined }, () => agent.run(server.url));
  return `${name}.json`;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tapedeck-review-'));
  server = await agent.start(() => change);
  await recordAs('before', {});
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('tapedeck diff of a re-recorded conversation', () => {
  it('finds the same meaning when only ids and the chunking of the stream changed', async () => {
    const after = await recordAs('rechunked', { pieces: 6 });
    const result = await run(['diff', 'before.json', after], dir);
    expect(result.lines).toEqual(['tapedeck diff: before.json and rechunked.json mean the same: 2 calls differ only in ids, timestamps or chunking (--all shows them)']);
    expect(result.code).toBe(0);
    const all = await run(['diff', '--all', 'before.json', after], dir);
    expect(all.code).toBe(1);
    expect(all.out).toContain('stream: the same answer in other events (8 -> 11 events)');
    expect(all.out).toContain('stream: the same answer in other events (12 -> 14 events)');
    expect(all.out).toMatch(/meta\.recordedAt: "[^"]+" -> "[^"]+"/);
  });

  it('shows a changed answer as its text, and the events that carry it, aligned', async () => {
    const after = await recordAs('reworded', { text: 'It is 62°F and foggy in SFO today.' });
    const result = await run(['diff', 'before.json', after], dir);
    expect(result.code).toBe(1);
    const http = `http:POST ${server.url}/v1/messages`;
    expect(result.lines.filter((l) => l.startsWith('~'))).toEqual([expect.stringMatching(new RegExp(`^~ ${http.replace(/[.:/]/g, '\\$&')}  entries\\[1\\]  [0-9a-f]{12}  changed answer$`))]);
    expect(result.out).toContain('    answer: "It is 62°F and foggy in SFO." -> "It is 62°F and foggy in SFO today."');
    // The text was cut in 3 events before and after; each one changed, nothing else: 3 out, 3 in.
    expect(result.lines.filter((l) => /^ {4}event \d+ -/.test(l))).toHaveLength(3);
    expect(result.lines.filter((l) => /^ {4}event \d+ \+/.test(l))).toHaveLength(3);
    expect(result.out).toContain('    event 3 + {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"It is 62°F a"}}');
    expect(result.out).not.toMatch(/msg_|toolu_/);
    expect(result.lines.at(-1)).toBe('tapedeck diff: 0 removed, 0 added, 1 changed (1 changed answer), 1 call differs only in ids, timestamps or chunking (--all shows them)');
  });

  it('shows changed tool arguments as changed behaviour, and the request that echoed them', async () => {
    const after = await recordAs('other-city', { city: 'NYC' });
    const result = await run(['diff', 'before.json', after], dir);
    expect(result.code).toBe(1);
    expect(result.out).toContain('    tool call get_weather args: {"city":"SFO"} -> {"city":"NYC"}');
    expect(result.out).toContain('    request - assistant "Let me check the weather." → get_weather({"city":"SFO"})');
    expect(result.out).toContain('    request + assistant "Let me check the weather." → get_weather({"city":"NYC"})');
    expect(result.lines.at(-1)).toMatch(/^tapedeck diff: 0 removed, 0 added, 2 changed \(2 changed behaviour\)/);
  });
});

describe('git diff through the tapedeck driver', () => {
  it('shows a re-recorded cassette as a transcript diff', async () => {
    const repo = join(dir, 'repo');
    const cassette = join('__cassettes__', 'agent.test.ts', 'weather agent.json');
    await mkdir(join(repo, '__cassettes__', 'agent.test.ts'), { recursive: true });
    const git = (...args: string[]) => {
      const result = spawnSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: repo, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
      if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
      return result.stdout;
    };
    git('init', '-q');
    // What the README tells users to add (with the built bin in place of `npx tapedeck`).
    await writeFile(join(repo, '.gitattributes'), '**/__cassettes__/**/*.json diff=tapedeck\n');
    git('config', 'diff.tapedeck.textconv', `"${process.execPath}" "${join(root, 'dist', 'cli.js')}" show --textconv`);
    await copyFile(join(dir, 'before.json'), join(repo, cassette));
    git('add', '.');
    git('commit', '-qm', 'record');
    await copyFile(join(dir, 'reworded.json'), join(repo, cassette));

    const diff = git('diff');
    expect(diff).toContain('-  assistant  It is 62°F and foggy in SFO.');
    expect(diff).toContain('+  assistant  It is 62°F and foggy in SFO today.');
    expect(diff).not.toContain('"sse"'); // the JSON is not what is compared
    expect(diff).not.toContain('recorded 20'); // nor the recording's date and timings
    // Without the driver, the same change is a JSON diff of escaped event data.
    expect(git('diff', '--no-textconv')).toContain('"data": "{\\"type\\":\\"content_block_delta\\"');
    // A cassette that is no longer valid JSON still diffs, saying so.
    await writeFile(join(repo, cassette), `${await readFile(join(dir, 'before.json'), 'utf8')}<<<<<<< conflict\n`);
    expect(git('diff')).toContain('+tapedeck: not a valid cassette');
  });
});
