// The scenarios of issue 4, run the same way against both adapters (vitest.test.ts and jest.test.ts).
import { rm } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { cassettePathFor } from '../../src/location.js';
import { copyFixture, runRunner, runShellCommand, startServer, writeProjectFile, type FixtureServer, type Project, type RunResult, type Runner } from './harness.js';

type Call = [toolId: string, args: unknown];

export interface AdapterSuite {
  runner: Runner;
  project: 'vitest-project' | 'jest-project';
  /** The test files of the passing suite. */
  files: string[];
  /** Cassettes the passing suite records beyond the shared ones, by path (see {@link cassettePath}). */
  extraCassettes?: Record<string, Call[]>;
  /** The exact re-record command the miss of `WHY_TEST` must print. */
  fixCommand: string;
}

export const weather = (city: string): Call => ['weather.get', [{ city }]];
export const flights = (from: string, to: string): Call => ['flights.search', [from, to]];

const WHY_TEST = ['trip planner', 'with weather', 'Asks "why?" (v1.2) for $HOME [x]'];

/**
 * Where a test's cassette is, relative to the project. Lower-case names keep their name as is, so
 * those are spelled out literally here; others get a hash suffix, computed by the core.
 */
export function cassettePath(file: string, names: string[]): string {
  const literal = `__cassettes__/${file}/${names.join(' › ')}.json`;
  if (names.join('') === names.join('').toLowerCase()) return literal;
  return relative('/p', cassettePathFor({ testFile: join('/p', file), testPath: names })).split(sep).join('/');
}

const SHARED: Record<string, Call[]> = {
  [cassettePath('agent.test.ts', ['reports the weather'])]: [weather('sfo')],
  [cassettePath('agent.test.ts', ['trip planner', 'finds flights'])]: [flights('sfo', 'jfk')],
  [cassettePath('agent.test.ts', ['trip planner', 'with weather', 'checks both ends'])]: [weather('sfo'), weather('jfk'), flights('sfo', 'jfk')],
  [cassettePath('agent.test.ts', WHY_TEST)]: [weather('why?')],
  [cassettePath('concurrent.test.ts', ['concurrent', 'alpha'])]: [weather('alpha-1'), weather('alpha-2')],
  [cassettePath('concurrent.test.ts', ['concurrent', 'beta'])]: [weather('beta-1'), weather('beta-2')],
  [cassettePath('concurrent.test.ts', ['concurrent', 'gamma'])]: [weather('gamma-1'), weather('gamma-2')],
};

/** The calls in a cassette's text, as `[toolId, args]`. */
export function callsIn(text: string): Call[] {
  return (JSON.parse(text) as { entries: Array<{ toolId: string; args: unknown }> }).entries.map((e) => [e.toolId, e.args]);
}

export function callsOf(cassettes: Map<string, string>): Record<string, Call[]> {
  return Object.fromEntries([...cassettes].map(([path, text]) => [path, callsIn(text)]));
}

/** Asserts the run's per-test statuses: every test listed has that status, and nothing else failed. */
export function expectStatuses(run: RunResult, expected: Record<string, 'passed' | 'failed' | 'skipped'>): void {
  const actual = Object.fromEntries([...run.tests].map(([name, t]) => [name, t.status]));
  expect(actual, run.output).toEqual(expected);
}

export function message(run: RunResult, test: string): string {
  const outcome = run.tests.get(test);
  if (outcome === undefined) throw new Error(`no test ${test} in the report:\n${run.output}`);
  return outcome.message;
}

/** Registers the scenarios for one adapter; they run in order and share one project copy. */
export function defineAdapterScenarios(suite: AdapterSuite): { project: () => Project } {
  const expected = { ...SHARED, ...suite.extraCassettes };
  const totalCalls = Object.values(expected).reduce((n, calls) => n + calls.length, 0);
  const whyPath = cassettePath('agent.test.ts', WHY_TEST);
  const skippedPath = cassettePath('agent.test.ts', ['is skipped']);
  let project: Project;
  let server: FixtureServer | undefined;
  let recorded: Map<string, string>;

  const run = (env: Record<string, string> = {}, files = suite.files) => runRunner(suite.runner, project, { files, env });
  const serve = async (): Promise<FixtureServer> => {
    await server?.stop();
    server = await startServer();
    return server;
  };
  /** The server is stopped but its port is still the target: any call that goes live fails (ECONNREFUSED). */
  const stopped = async (): Promise<Record<string, string>> => {
    const s = server ?? (await startServer());
    await s.stop();
    return { FIXTURE_SERVER_PORT: String(s.port) };
  };
  beforeAll(async () => {
    project = await copyFixture(suite.project);
  });
  afterAll(async () => {
    await server?.stop();
    await project?.remove();
  });

  test('the first run records one cassette per test, each with only its own calls (describe nesting, test.concurrent)', async () => {
    const live = await serve();
    const result = await run({ FIXTURE_SERVER_PORT: String(live.port) });
    expect(result.code, result.output).toBe(0);
    recorded = await project.cassettes();
    expect(callsOf(recorded)).toEqual(expected);
    expect(live.hits).toHaveLength(totalCalls);
    expect(result.output).toContain('tapedeck: 4 cassettes, 0 replayed, 6 recorded, 0 live, 0 misses, 0 unused, 4 written');
    expect(result.output).toContain('tapedeck: 3 cassettes, 0 replayed, 6 recorded, 0 live, 0 misses, 0 unused, 3 written');
    expect(recorded.has(skippedPath)).toBe(false);
  });

  test('the second run replays with the server stopped, and a skipped test never reads its cassette', async () => {
    // If the skipped test opened its cassette, this file would fail it (corrupt-cassette) or be rewritten.
    await writeProjectFile(project, skippedPath, '{ not a cassette');
    const result = await run(await stopped());
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('tapedeck: 4 cassettes, 6 replayed, 0 recorded, 0 live, 0 misses, 0 unused, 0 written');
    expect(await project.cassettes()).toEqual(new Map([...recorded, [skippedPath, '{ not a cassette']]));
    await rm(join(project.dir, skippedPath));
  });

  test('a deleted cassette under CI fails with cassette-miss, writes nothing, and its fix command re-records just that test', async () => {
    await rm(join(project.dir, whyPath));
    const ci = await run({ CI: 'true', ...(await stopped()) });
    expect(ci.code).toBe(1);
    const failed = [...ci.tests].filter(([, t]) => t.status === 'failed').map(([name]) => name);
    expect(failed, ci.output).toEqual([`agent.test.ts :: ${WHY_TEST.join(' › ')}`]);
    const miss = message(ci, failed[0]!);
    expect(miss).toContain('tapedeck: cassette-miss');
    expect(miss).toContain(join(project.dir, whyPath));
    const fix = /fix: (RECORD=1 npx .*?) {3}\(or RECORD=new/.exec(miss)?.[1];
    expect(fix).toBe(suite.fixCommand);
    const others = new Map([...recorded].filter(([path]) => path !== whyPath));
    expect(await project.cassettes()).toEqual(others);

    // The command the user is told to run, run as pasted: only that test goes live and is recorded.
    const live = await serve();
    const fixed = await runShellCommand(fix!, project, { FIXTURE_SERVER_PORT: String(live.port) });
    expect(fixed.code, fixed.output).toBe(0);
    expect(live.hits).toEqual(['/weather?city=why%3F']);
    const after = await project.cassettes();
    expect(callsIn(after.get(whyPath)!)).toEqual(expected[whyPath]);
    expect(new Map([...after].filter(([path]) => path !== whyPath))).toEqual(others);
    recorded = after;
  });

  test('CI=true RECORD=1 fails with record-forbidden-in-ci and writes nothing', async () => {
    const live = await serve();
    const result = await run({ CI: 'true', RECORD: '1', FIXTURE_SERVER_PORT: String(live.port) });
    expect(result.code).toBe(1);
    const failed = [...result.tests.values()].filter((t) => t.status === 'failed');
    expect(failed).toHaveLength(Object.keys(expected).length);
    // The error's reason is record-forbidden-in-ci; its message does not name it (reported to core).
    for (const t of failed) expect(t.message).toContain('tapedeck: record-forbidden-in-ci: RECORD=1 asks to record, but CI is set (CI=true)');
    expect(live.hits).toEqual([]);
    expect(await project.cassettes()).toEqual(recorded);
  });

  test('RECORD=1 with the server up re-records every test into byte-identical files', async () => {
    const live = await serve();
    const result = await run({ RECORD: '1', FIXTURE_SERVER_PORT: String(live.port) });
    expect(result.code, result.output).toBe(0);
    expect(live.hits).toHaveLength(totalCalls);
    expect(await project.cassettes()).toEqual(recorded);
  });

  test('a test that throws after making calls leaves no cassette; strict fails on an unused entry and names it', async () => {
    const failing = ['failing.test.ts'];
    const strictPath = cassettePath('failing.test.ts', ['strict']);
    const lenientPath = cassettePath('failing.test.ts', ['lenient']);
    const live = await serve();
    const first = await run({ FIXTURE_EXTRA_CALL: '1', FIXTURE_SERVER_PORT: String(live.port) }, failing);
    expectStatuses(first, { 'failing.test.ts :: throws after a call': 'failed', 'failing.test.ts :: strict': 'passed', 'failing.test.ts :: lenient': 'passed' });
    expect(message(first, 'failing.test.ts :: throws after a call')).toContain('fixture: deliberate failure after a call');
    expect(live.hits).toContain('/weather?city=oslo'); // the failing test did make its call
    const written = await project.cassettes();
    expect(callsOf(new Map([...written].filter(([path]) => path.startsWith('__cassettes__/failing.test.ts/'))))).toEqual({
      [strictPath]: [weather('lax'), flights('lax', 'sea')],
      [lenientPath]: [weather('sea'), flights('sea', 'lax')],
    });

    // Replayed without the extra call: its entry is unused.
    const second = await run(await stopped(), failing);
    expectStatuses(second, { 'failing.test.ts :: throws after a call': 'failed', 'failing.test.ts :: strict': 'failed', 'failing.test.ts :: lenient': 'passed' });
    const strict = message(second, 'failing.test.ts :: strict');
    expect(strict).toContain('tapedeck: unused-entries');
    expect(strict).toMatch(/entries\[1\] flights\.search [0-9a-f]{12}/);
    expect(second.output).toMatch(/tapedeck: warning: 1 recorded call was never replayed in .*lenient\.json:\n\s+entries\[1\] flights\.search/);
    expect(await project.cassettes()).toEqual(written);
  });

  return { project: () => project };
}

/**
 * HTTP taped without tool(): the fixture file fetches two URLs (fetch and node:http). The first run records
 * both (the server sees them), the second replays them under CI with the server stopped.
 */
export async function expectHttpRoundTrip(project: () => Project, options: { files: string[]; args?: string[] }, runner: Runner = 'jest'): Promise<void> {
  const server = await startServer();
  const env = { FIXTURE_SERVER_PORT: String(server.port) };
  const first = await runRunner(runner, project(), { ...options, env });
  expect(first.code, first.output).toBe(0);
  expect([...server.hits].sort()).toEqual(['/weather?city=bern', '/weather?city=graz']);
  await server.stop();
  const file = options.files[0]!;
  const recorded = [...(await project().cassettes())].filter(([p]) => p.startsWith(`__cassettes__/${file}/`));
  expect(recorded).toHaveLength(1);
  expect(recorded[0]![1]).toContain(`"toolId": "http:GET http://127.0.0.1:${server.port}/weather"`);
  const replay = await runRunner(runner, project(), { ...options, env: { ...env, CI: 'true' } });
  expect(replay.code, replay.output).toBe(0);
  expect(replay.output).toContain('tapedeck: 1 cassette, 2 replayed, 0 recorded');
}

/**
 * tapedeck's reporter in the run (`tapedeck/vitest-reporter`, `tapedeck/jest-reporter`): one tapedeck line
 * for the whole run, the sum of its files, and none per file. Each file makes two requests (fetch and
 * node:http) in one test: recorded with the server up, then replayed under CI with it stopped.
 */
export async function expectRunSummary(project: () => Project, runner: Runner, options: { files: string[]; args: string[] }): Promise<void> {
  for (const file of options.files) await rm(join(project().dir, '__cassettes__', file), { recursive: true, force: true });
  const summaries = (output: string) => output.split('\n').map((line) => line.trim()).filter((line) => /^tapedeck: \d+ cassettes?, /.test(line));
  const server = await startServer();
  const env = { FIXTURE_SERVER_PORT: String(server.port) };
  const first = await runRunner(runner, project(), { ...options, env });
  expect(first.code, first.output).toBe(0);
  await server.stop();
  const n = options.files.length;
  expect(summaries(first.output)).toEqual([`tapedeck: ${n} cassettes, 0 replayed, ${2 * n} recorded, 0 live, 0 misses, 0 unused, ${n} written`]);
  const replay = await runRunner(runner, project(), { ...options, env: { ...env, CI: 'true' } });
  expect(replay.code, replay.output).toBe(0);
  expect(summaries(replay.output)).toEqual([`tapedeck: ${n} cassettes, ${2 * n} replayed, 0 recorded, 0 live, 0 misses, 0 unused, 0 written`]);
}
