// `tapedeck report` opened in a real browser: headless Chromium from Debian's packages, driven by
// playwright-core (no browser download). Skips, saying why, where /usr/bin/chromium is not installed.
// TAPEDECK_SCREENSHOT=1 also writes docs/report.png (the README's screenshot) from the example agent.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../cli/helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const root = join(import.meta.dirname, '..', '..');
const available = existsSync(CHROMIUM);
if (!available) console.warn(`report browser test skipped: ${CHROMIUM} is not installed (apt-get install -y chromium)`);

let browser: Browser;
let dir: string;

/** Opens a report page, failing the test on any request that is not for the file itself. */
async function open(file: string): Promise<{ page: Page; requests: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 1300 } });
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(pathToFileURL(file).href);
  expect(errors).toEqual([]);
  return { page, requests };
}

describe.skipIf(!available)('tapedeck report in headless Chromium', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tapedeck-report-'));
    // playwright-core launches every browser with a fresh temporary profile (its own --user-data-dir).
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("shows the example agent's tests, and a transcript with its tool calls when expanded", async () => {
    const out = join(dir, 'agent.html');
    const result = await run(['report', 'examples/agent', '--out', out], root);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^tapedeck report: .*agent\.html: 5 tests/);
    const { page, requests } = await open(out);

    const rows = page.locator('table.tests tbody tr');
    await expect.poll(() => rows.count()).toBe(5);
    expect(await rows.locator('a').allTextContents()).toEqual([
      'weather agent under jest › answers with both tools',
      'tools can be tested on their own, strictly',
      'weather agent › answers with both tools',
      'weather agent › says what it cannot do',
      'weather agent › streams an answer chunk by chunk',
    ]);
    expect(await rows.nth(2).locator('td').nth(1).textContent()).toBe('calculate get_weather math.calculate weather.get');
    expect(await page.locator('#models tbody tr').first().textContent()).toContain('gpt-4o-mini-fake');

    const transcript = page.locator('details.transcript', { hasText: 'weather agent › answers with both tools' }).filter({ hasNotText: 'under jest' });
    await expect.poll(() => transcript.locator('.call .fn').first().isVisible()).toBe(false);
    await transcript.locator('summary').first().click();
    const call = transcript.locator('.msg.assistant .call').first();
    await expect.poll(() => call.isVisible()).toBe(true);
    expect(await call.textContent()).toBe('get_weather{"city":"SFO"}');
    expect(await transcript.locator('.step.tool .fn').first().textContent()).toBe('weather.get');
    expect(await transcript.locator('.msg.assistant .text').last().textContent()).toBe('It is 62°F with fog in SFO. (62 - 32) * 5 / 9 = 16.667.');

    // Filtering by name hides the other tests.
    await page.fill('#filter', 'cannot');
    expect(await page.locator('table.tests tbody tr:visible').count()).toBe(1);
    await page.fill('#filter', '');

    // Self-contained: nothing but the page itself was requested.
    expect(requests).toEqual([pathToFileURL(out).href]);
    const shot = process.env.TAPEDECK_SCREENSHOT === '1' ? join(root, 'docs', 'report.png') : join(dir, 'report.png');
    await page.setViewportSize({ width: 1100, height: 1800 });
    await page.evaluate('document.activeElement.blur(); window.scrollTo(0, 0)');
    await page.screenshot({ path: shot });
    expect((await stat(shot)).size).toBeGreaterThan(10_000);
    await page.close();
  });

  it('marks a cassette changed against git HEAD, with its conversation diff', async () => {
    const repo = join(dir, 'repo');
    await cp(join(root, 'examples', 'agent', '__cassettes__'), join(repo, '__cassettes__'), { recursive: true });
    const git = (...args: string[]) => {
      const r = spawnSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: repo, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
      if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
    };
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'record');
    const file = join(repo, '__cassettes__', 'agent.test.ts', 'weather agent › says what it cannot do.json');
    await writeFile(file, (await readFile(file, 'utf8')).replace('I can only help with weather and arithmetic.', 'I only do weather and arithmetic.'));

    const out = join(dir, 'changed.html');
    const result = await run(['report', '--out', out], repo);
    expect(result.out).toMatch(/5 tests, 1 changed against HEAD$/);
    const { page } = await open(out);
    const changed = page.locator('table.tests tbody tr[data-changed]');
    await expect.poll(() => changed.count()).toBe(1);
    expect(await changed.locator('a').textContent()).toBe('weather agent › says what it cannot do');
    expect(await changed.locator('.badge').textContent()).toBe('changed');
    await changed.locator('a').click(); // the link opens the test's transcript
    const diff = page.locator('details.transcript[open] details.diff pre');
    await expect.poll(() => diff.isVisible()).toBe(true);
    expect(await diff.textContent()).toContain('answer: "I can only help with weather and arithmetic." -> "I only do weather and arithmetic."');
    expect(await diff.textContent()).toContain('changed answer');
    await page.check('#changed-only');
    expect(await page.locator('table.tests tbody tr:visible').count()).toBe(1);
    await page.close();
  });
});
