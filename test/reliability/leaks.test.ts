// Leaks: many withCassette scopes in one process, each with a real fetch to a loopback server and a
// tool() call, leave no growing heap (measured after full collections, in a child run with --expose-gc),
// no listeners on process, no open handles, and fetch / node:http as they were.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFixture, runRunner, startServer } from '../adapters/harness.js';
import { TIMEOUT, note, removeDir, runScript, scaled, tempDir } from './helpers.js';

interface Snapshot {
  heapMB: number;
  resources: Record<string, number>;
  listeners: Record<string, number>;
  patched: Record<string, boolean>;
}
interface Report {
  scopes: number;
  elapsedMs: number;
  hits: number;
  before: Snapshot;
  middle: Snapshot;
  after: Snapshot;
}

// Requests and sockets that come and go on their own (the keep-alive pool, the last fs request).
const TRANSIENT = new Set(['CloseReq', 'TCPSocketWrap', 'FSReqPromise', 'FSReqCallback', 'Timeout', 'Immediate']);

let dir: string;
beforeAll(async () => {
  dir = await tempDir('leaks');
});
afterAll(async () => {
  await removeDir(dir);
});

async function measure(mode: 'record' | 'replay' | 'tight', scopes: number): Promise<Report> {
  const folder = join(dir, mode);
  const run = await runScript('leak-scopes.ts', [folder, String(scopes), mode], { nodeArgs: ['--expose-gc'] });
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as Report;
}

function expectNoLeak(report: Report): void {
  const { before, middle, after } = report;
  // Listeners: exactly as many as before, on every process event.
  expect(after.listeners).toEqual(before.listeners);
  expect(middle.listeners).toEqual(before.listeners);
  // Handles: nothing new is left open (sockets of the keep-alive pool may come and go).
  for (const [type, count] of Object.entries(after.resources)) {
    expect(count, `${type}: ${JSON.stringify(before.resources)} -> ${JSON.stringify(after.resources)}`).toBeLessThanOrEqual((before.resources[type] ?? 0) + (TRANSIENT.has(type) ? 1 : 0));
  }
  // Interception is undone when no cassette is open.
  expect(after.patched).toEqual({ fetch: false, request: false, get: false, ClientRequest: false });
  // Heap: the second batch of scopes adds nothing but noise (JIT code, ~0.2 MB); a leak of 1 KB per scope
  // (far less than any cassette) would add a megabyte per 1,000 scopes.
  expect(after.heapMB - middle.heapMB, `heap ${before.heapMB} -> ${middle.heapMB} -> ${after.heapMB} MB`).toBeLessThan(Math.max(0.5, report.scopes / 1024));
  expect(middle.heapMB - before.heapMB).toBeLessThan(4);
}

const show = (r: Report) =>
  `heap ${r.before.heapMB.toFixed(2)} -> ${r.middle.heapMB.toFixed(2)} -> ${r.after.heapMB.toFixed(2)} MB (before, after ${r.scopes}, after ${2 * r.scopes} scopes), ` +
  `listeners ${Object.values(r.before.listeners).reduce((a, b) => a + b, 0)} -> ${Object.values(r.after.listeners).reduce((a, b) => a + b, 0)}, ` +
  `handles ${JSON.stringify(r.before.resources)} -> ${JSON.stringify(r.after.resources)}, ${(r.elapsedMs / r.scopes).toFixed(2)} ms per scope`;

describe('many withCassette scopes in one process', () => {
  it('1,000 replaying scopes (and 1,000 more), each with a fetch and a tool call: no growth, nothing left open', { timeout: TIMEOUT }, async () => {
    const scopes = scaled(1000, 5000);
    const report = await measure('replay', scopes);
    expect(report.hits).toBe(1); // only the one live recording: every scope replayed its fetch
    expectNoLeak(report);
    note(`leaks, ${scopes} replay scopes with fetch: ${show(report)}`);
  });

  it('a plain script\'s loop of replayed scopes that never waits for I/O does not hold every scope\'s recording', { timeout: TIMEOUT }, async () => {
    // Each scope replays a 100 KB response. Measured inside the loop's own job: a scope that kept its
    // session alive (through undici's per-request WeakRefs, released only when a job ends) adds 100 KB.
    const scopes = scaled(200, 2000);
    const report = await measure('tight', scopes);
    expect(report.hits).toBe(1);
    expect(report.after.heapMB - report.middle.heapMB, `heap ${report.before.heapMB} -> ${report.middle.heapMB} -> ${report.after.heapMB} MB`).toBeLessThan(scopes / 512);
    note(`leaks, ${scopes} replay scopes in one job (100 KB response each): heap ${report.before.heapMB.toFixed(2)} -> ${report.middle.heapMB.toFixed(2)} -> ${report.after.heapMB.toFixed(2)} MB`);
  });

  it('recording scopes (a new cassette file each): no growth, nothing left open', { timeout: TIMEOUT }, async () => {
    const scopes = scaled(200, 1000);
    const report = await measure('record', scopes);
    expect(report.hits).toBe(100 + 2 * scopes); // warm-up, then every scope went live once
    expectNoLeak(report);
    note(`leaks, ${scopes} recording scopes with fetch: ${show(report)}`);
  });

  // A test that leaves a server listening makes this fail: jest reports the handle (or never exits, and
  // the harness kills it after 60 s).
  it('jest --detectOpenHandles finds nothing left open by taped tests (recording, then replaying)', { timeout: 150_000 }, async () => {
    const project = await copyFixture('jest-project');
    try {
      const tests = Array.from({ length: 20 }, (_, i) =>
        `test('handles ${i}', withCassette(async () => {\n` +
        `  const weather = await getWeather({ city: 'h${i}' });\n` +
        `  const direct = await (await fetch(\`http://127.0.0.1:\${process.env.FIXTURE_SERVER_PORT}/weather?city=d${i}\`)).json();\n` +
        `  expect([weather.city, direct.city]).toEqual(['h${i}', 'd${i}']);\n}));`,
      );
      await writeFile(
        join(project.dir, 'handles.test.ts'),
        `import { expect, test } from '@jest/globals';\nimport { withCassette } from 'tapedeck/jest';\nimport { getWeather } from './tools.cjs';\n\n${tests.join('\n')}\n`,
      );
      const server = await startServer();
      const env = { FIXTURE_SERVER_PORT: String(server.port) };
      const recorded = await runRunner('jest', project, { files: ['handles.test.ts'], args: ['--detectOpenHandles'], env });
      await server.stop();
      const replayed = await runRunner('jest', project, { files: ['handles.test.ts'], args: ['--detectOpenHandles'], env: { ...env, CI: 'true' } });
      for (const run of [recorded, replayed]) {
        expect(run.code, run.output).toBe(0);
        expect([...run.tests.values()].filter((t) => t.status === 'passed')).toHaveLength(20);
        expect(run.output).not.toMatch(/open handle|Jest did not exit/i);
      }
      expect(server.hits).toHaveLength(40);
      note('leaks: jest --detectOpenHandles over 20 taped tests (tool + fetch), recording and replaying: no open handles reported, jest exited on its own');
    } finally {
      await project.remove();
    }
  });
});
