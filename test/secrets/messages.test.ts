// Messages never print a key (DESIGN section 12): real vitest runs of a user's project, against the
// built package, with a cassette miss (args preview and nearest-call diff) and a `verify` drift (the
// recorded and the live answer), where the keys sit in the args and in the live answer. Everything the
// child prints, stdout and stderr, is searched for every key: 0 occurrences.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFixture, runRunner, type Project } from '../adapters/harness.js';
import { corpus, opaque } from './corpus.js';

const keys = corpus(5);
const pick = (kind: string) => keys.find((k) => k.kind === kind)!;
const openai = pick('OpenAI');
const anthropic = pick('Anthropic');
const google = pick('Google access token');
const basic = pick('Basic authorization');
const password = opaque(31);
// As the issue found them: a plain key, one base64-encoded, one doubly JSON-encoded after a newline.
const argText = `use ${openai.value} or ${Buffer.from(anthropic.value).toString('base64')}`;
const answerText = JSON.stringify(JSON.stringify({ delta: `line\n${google.value}` }));
const needles = [openai.needle, anthropic.needle, google.needle, basic.needle, password];

const TEST_FILE = `
import { expect, test } from 'vitest';
import { tool } from 'tapedeck';
import { withCassette } from 'tapedeck/vitest';

const ask = tool('crm.ask', (q: { note: string; password: string; auth: string }) => ({ answer: process.env.FIXTURE_ANSWER, seen: q.note.length }));

test('asks the crm', withCassette(async () => {
  const out = await ask({ note: process.env.FIXTURE_NOTE ?? '', password: process.env.FIXTURE_PASSWORD ?? '', auth: process.env.FIXTURE_AUTH ?? '' });
  expect(out).toBeDefined();
}));
`;

let project: Project;
beforeAll(async () => {
  project = await copyFixture('vitest-project');
  await writeFile(join(project.dir, 'secrets.test.ts'), TEST_FILE);
});
afterAll(async () => {
  await project.remove();
});

describe('messages mask what the scan would refuse (real vitest child runs)', () => {
  it('a cassette miss and a drift print no key, and say where it was masked', { timeout: 120_000 }, async () => {
    const plain = { FIXTURE_NOTE: 'plain question', FIXTURE_ANSWER: 'plain answer', FIXTURE_PASSWORD: password, FIXTURE_AUTH: basic.value };
    const recorded = await runRunner('vitest', project, { files: ['secrets.test.ts'], env: plain });
    expect(recorded.code, recorded.output).toBe(0);
    const cassettes = [...(await project.cassettes()).values()].join('\n');
    expect(cassettes).toContain('plain answer');
    for (const needle of needles) expect(cassettes).not.toContain(needle);

    // Under CI the changed args are a miss: the args preview and the nearest-call diff show them.
    const miss = await runRunner('vitest', project, { files: ['secrets.test.ts'], env: { ...plain, CI: 'true', FIXTURE_NOTE: argText } });
    expect(miss.code).not.toBe(0);
    expect(miss.output).toContain('cassette-miss');
    expect(miss.output).toContain('[masked: OpenAI API key]');
    expect(miss.output).toMatch(/args\[0\]\.note: "plain question" -> /);

    // RECORD=verify calls live and compares: the live answer differs and holds a key.
    const drift = await runRunner('vitest', project, { files: ['secrets.test.ts'], env: { ...plain, RECORD: 'verify', FIXTURE_ANSWER: answerText } });
    expect(drift.code).not.toBe(0);
    expect(drift.output).toContain('drift');
    expect(drift.output).toMatch(/result\.value\.answer: "plain answer" -> /);

    for (const output of [recorded.output, miss.output, drift.output]) {
      for (const needle of needles) expect(output.includes(needle), `${needle.slice(0, 6)}… printed:\n${output}`).toBe(false);
    }
  });
});
