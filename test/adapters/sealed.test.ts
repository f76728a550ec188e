// Sealed replay (DESIGN section 10, issue [sealed]) under real vitest and real jest child processes: each
// case of the issue, run as a user's project would, with a loopback server that counts what reached it.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test, beforeAll, afterAll } from 'vitest';
import { copyFixture, runRunner, startServer, type FixtureServer, type Project, type Runner } from './harness.js';
import { callsOf, cassettePath, expectStatuses, message, weather } from './scenarios.js';

describe.each<[Runner, 'vitest-project' | 'jest-project']>([
  ['vitest', 'vitest-project'],
  ['jest', 'jest-project'],
])('sealed replay under %s', (runner, fixture) => {
  let project: Project;
  let server: FixtureServer;
  beforeAll(async () => {
    project = await copyFixture(fixture);
    server = await startServer();
  });
  afterAll(async () => {
    await server.stop();
    await project.remove();
  });
  const run = (files: string[], env: Record<string, string> = {}) => runRunner(runner, project, { files, env: { FIXTURE_SERVER_PORT: String(server.port), ...env } });
  const written = async (file: string) =>
    callsOf(new Map([...(await project.cassettes())].filter(([path]) => path.startsWith(`__cassettes__/${file}/`) || path === `__cassettes__/${file}.json`)));

  test('a client built before the adapter was imported never reaches the server: network-in-replay under CI, network-unrecorded when recording', async () => {
    const before = server.hits.length;
    const ci = await run(['early-client.test.ts'], { CI: 'true' });
    expect(ci.code, ci.output).toBe(1);
    const refused = message(ci, 'early-client.test.ts :: asks a model through an early client');
    expect(refused).toContain(`tapedeck: network-in-replay: a connection to 127.0.0.1:${server.port} was refused`);
    expect(refused).toContain('built before tapedeck was imported');
    // Any CI the runners know, not only CI=...: Azure Pipelines sets TF_BUILD.
    const azure = await run(['early-client.test.ts'], { TF_BUILD: 'True' });
    expect(message(azure, 'early-client.test.ts :: asks a model through an early client')).toContain('tapedeck: network-in-replay');
    const recording = await run(['early-client.test.ts']);
    expect(message(recording, 'early-client.test.ts :: asks a model through an early client')).toContain('tapedeck: network-unrecorded');
    expect(server.hits.length).toBe(before);
    expect(await written('early-client.test.ts')).toEqual({});
  });

  test('interception that cannot be set up (msw 3 on a Node it does not support) fails with http-unavailable and the fix, never a live call', async () => {
    // A project with msw 3 whose interceptors need a newer Node than this one.
    const msw = join(project.dir, 'node_modules', 'msw');
    const interceptors = join(msw, 'node_modules', '@mswjs', 'interceptors');
    await mkdir(interceptors, { recursive: true });
    await writeFile(join(msw, 'package.json'), '{"name":"msw","version":"3.0.5"}');
    await writeFile(join(interceptors, 'package.json'), '{"name":"@mswjs/interceptors","version":"0.45.12","main":"index.js","engines":{"node":">=99"}}');
    await writeFile(join(interceptors, 'index.js'), '');
    try {
      const before = server.hits.length;
      for (const env of [{ CI: 'true' }, {}] as Array<Record<string, string>>) {
        const result = await run(['plain-fetch.test.ts'], env);
        const failure = message(result, 'plain-fetch.test.ts :: fetches the weather');
        expect(failure).toContain(`tapedeck: http-unavailable: a connection to 127.0.0.1:${server.port} was refused: HTTP cannot be taped here`);
        expect(failure).toContain('needs Node >=99');
        expect(failure).toContain('use msw 2.x on this Node');
      }
      expect(server.hits.length).toBe(before);
      expect(await written('plain-fetch.test.ts')).toEqual({});
    } finally {
      await rm(msw, { recursive: true, force: true });
    }
  });

  test('a worker thread started by a replaying test cannot reach the server either', async () => {
    const before = server.hits.length;
    const ci = await run(['worker.test.ts'], { CI: 'true' });
    expect(message(ci, 'worker.test.ts :: fetches from a worker thread')).toContain(`tapedeck: network-in-replay: a connection to 127.0.0.1:${server.port} was refused`);
    expect(server.hits.length).toBe(before);
  });

  test('calls at the top level, in beforeAll and in afterAll go to the file cassette, and replay sealed under CI', async () => {
    const first = await run(['outside.test.ts']);
    expect(first.code, first.output).toBe(0);
    expect(await written('outside.test.ts')).toEqual({
      // Beside the folder of the file's test cassettes: a name no test can take.
      '__cassettes__/outside.test.ts.json': [weather('top'), weather('before'), weather('after')],
      [cassettePath('outside.test.ts', ['sees what the file set up'])]: [weather('inside')],
    });
    const before = server.hits.length;
    const replay = await run(['outside.test.ts'], { CI: 'true' });
    expect(replay.code, replay.output).toBe(0);
    // jest runs the file's afterAll after tapedeck's own (in the order declared), so after its line is printed.
    const replayed = runner === 'jest' ? 3 : 4;
    expect(replay.output).toContain(`tapedeck: 2 cassettes, ${replayed} replayed, 0 recorded, 0 live, 0 misses, 0 unused, 0 written`);
    expect(server.hits.length).toBe(before);
  });

  test("a call in a finished test's async context fails with session-closed naming that test; nothing is dropped silently", async () => {
    const result = await run(['queue.test.ts']);
    expectStatuses(result, { 'queue.test.ts :: first user of the queue': 'passed', 'queue.test.ts :: second user of the queue': 'failed' });
    const closed = message(result, 'queue.test.ts :: second user of the queue');
    expect(closed).toContain('tapedeck: session-closed: weather.get was called in the async context of test "first user of the queue"');
    expect(closed).toContain('a queue, pool or');
    expect(Object.keys(await written('queue.test.ts'))).toEqual([cassettePath('queue.test.ts', ['first user of the queue'])]);
  });

  test('a test that fails without throwing never writes: assertion counts, a timeout, a tool output JSON cannot hold (caught)', async () => {
    const result = await run(['failing-kinds.test.ts']);
    const expected: Record<string, 'passed' | 'failed'> = {
      'failing-kinds.test.ts :: assertion count': 'failed',
      'failing-kinds.test.ts :: has assertions': 'failed',
      'failing-kinds.test.ts :: timeout': 'failed',
      'failing-kinds.test.ts :: output JSON cannot hold, caught by the code': 'failed',
      'failing-kinds.test.ts :: outlives the timeout': 'passed',
    };
    if (runner === 'vitest') expected['failing-kinds.test.ts :: soft assertion'] = 'failed';
    expectStatuses(result, expected);
    expect(message(result, 'failing-kinds.test.ts :: output JSON cannot hold, caught by the code')).toContain('tapedeck: args-not-json');
    // Every failing test made its call (the server saw them), and none left a cassette.
    expect(server.hits).toEqual(expect.arrayContaining(['/weather?city=count', '/weather?city=none', '/weather?city=slow', '/weather?city=big']));
    expect(await written('failing-kinds.test.ts')).toEqual({});
  });

  test('an explicit mode in code is bound by CI: record and new are refused, auto replays; Jenkins counts as CI', async () => {
    const before = server.hits.length;
    for (const ci of [{ CI: 'true' }, { JENKINS_URL: 'http://jenkins.invalid/', BUILD_ID: '7' }] as Array<Record<string, string>>) {
      const result = await run(['modes.test.ts'], ci);
      expect(message(result, 'modes.test.ts :: explicit record')).toContain("tapedeck: record-forbidden-in-ci: withCassette({ mode: 'record' }) asks to record, but CI is set");
      expect(message(result, 'modes.test.ts :: explicit new')).toContain("withCassette({ mode: 'new' }) asks to record");
      expect(message(result, 'modes.test.ts :: explicit auto')).toContain('tapedeck: cassette-miss');
    }
    expect(server.hits.length).toBe(before);
    expect(await written('modes.test.ts')).toEqual({});
  });
});
