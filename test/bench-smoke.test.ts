// The bench is not part of `npm test` (its timings are not assertions), but its code must keep working:
// this runs `npm run bench -- --smoke` (tiny counts, every section and variant once) and checks that every
// measurement came back, and that no replay reached the live server. It asserts no timing.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import type { BenchResults } from '../bench/report.js';

const root = join(import.meta.dirname, '..');
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

function runBench(out: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    // The root test run happens under CI=true; the bench's own children must not inherit runner state.
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(VITEST.*|NODE_OPTIONS|RECORD|TAPEDECK_.*)$/.test(key)));
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench', 'run.ts'), '--smoke', `--out=${out}`], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

test('npm run bench -- --smoke measures every section and writes the results', async () => {
  const out = await mkdtemp(join(tmpdir(), 'tapedeck-bench-smoke-test-'));
  dirs.push(out);
  const { code, output } = await runBench(out);
  expect(code, output.slice(-4000)).toBe(0);
  const results = JSON.parse(await readFile(join(out, 'latest.json'), 'utf8')) as BenchResults;
  expect(results.smoke).toBe(true);

  // A smoke run measures each variant with one client (they alternate), msw's minimum with both.
  const ids = new Set(results.http.map((h) => h.id));
  for (const id of ['msw-min', 'msw-min-als', 'msw-static', 'tapedeck-1', 'nock-back', 'polly-fetch', 'polly-node-http', 'live', 'interceptors-min', 'sse-live', 'sse-msw-static', 'sse-tapedeck']) {
    expect(ids).toContain(id);
  }
  expect(results.http.filter((h) => h.id === 'msw-min').map((h) => h.client).sort()).toEqual(['fetch', 'http']);
  expect(new Set(results.http.filter((h) => h.id.startsWith('tapedeck-')).map((h) => h.client))).toEqual(new Set(['fetch', 'http']));
  for (const row of results.http) {
    expect(row.n, row.id).toBeGreaterThan(0);
    expect(Number.isFinite(row.median) && Number.isFinite(row.ratio), row.id).toBe(true);
    if (!row.id.includes('live')) expect(row.liveHits, `${row.id} must replay, not reach the server`).toBe(0);
  }

  // tapedeck through a user's msw server (mswServer) was measured too.
  expect(results.http.filter((h) => h.id.startsWith('tapedeck-msw-server-'))).toHaveLength(1);

  expect(results.hash.map((h) => h.bytes)).toHaveLength(3);
  expect(results.io.length).toBeGreaterThan(0);
  expect(results.heap?.loadedBytes).toBeGreaterThan(0);
  expect(results.suite.map((s) => `${s.runner}/${s.variant}`).sort()).toEqual(['jest/live', 'jest/msw', 'jest/tapedeck', 'vitest/live', 'vitest/msw', 'vitest/tapedeck']);
  expect(results.imports.map((i) => i.what).sort()).toEqual(['fetch', 'msw', 'tapedeck']);
  expect(results.mcp.map((m) => m.what)).toEqual(['call', 'test']);
  for (const m of results.mcp) expect(Number.isFinite(m.replayMs) && Number.isFinite(m.liveMs), m.what).toBe(true);
  // Issue 17: the openai SDK per call against a hand-written mock, and the generated openai suite.
  // (Each tapedeck variant checks in its worker that the fetch front answered all of its calls, or none.)
  expect(results.openai.map((o) => o.id).sort()).toEqual(['floor', 'hand', 'live', 'msw-static', 'tapedeck', 'tapedeck-interceptors', 'tapedeck-unsealed']);
  for (const o of results.openai) {
    expect(o.n, o.id).toBeGreaterThan(0);
    if (o.id !== 'live') expect(o.liveHits, `${o.id} must not reach the server`).toBe(0);
  }
  expect(results.openaiSuite.map((s) => s.variant).sort()).toEqual(['hand', 'hand-als', 'msw', 'tapedeck']);
  for (const s of results.openaiSuite) expect(Number.isFinite(s.ms) && Number.isFinite(s.coldTestMs), s.variant).toBe(true);
  const targets = results.targets.map((t) => t.target).join('\n');
  for (const part of ['msw minimum', 'argsHash', 'load ', 'stable crash-safe write ', 'heap', 'import', 'vitest:', 'jest:']) expect(targets).toContain(part);

  const markdown = await readFile(join(out, 'latest.md'), 'utf8');
  expect(markdown).toContain('## Targets (issue 6)');
  expect(markdown).toContain('## Targets (issue 17)');
  for (const part of ['hand mock', 'over an empty test file', 'scope + 2 SDK calls', 'vitest wall']) expect(targets).toContain(part);
  expect(markdown).toContain('## 6. MCP');
}, 120_000);
