// connect() in beforeAll (DESIGN section 13): the handshake is made outside any test, so it belongs in
// the file's own cassette (section 10), and replay under CI starts no server for it either.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { copyFixture, runRunner, type Project } from '../adapters/harness.js';
import { STDIO_SERVER, tempDir } from './helpers.js';

let project: Project | undefined;
afterEach(async () => {
  await project?.remove();
});

it('replays a client connected in beforeAll under CI, with the server gone and never spawned', async () => {
  project = await copyFixture('mcp-project');
  const log = join(await tempDir(), 'starts.log');
  const starts = async () => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
  const recorded = await runRunner('vitest', project, { files: ['before-all.test.ts'], env: { RECORD: '1', MCP_SERVER: STDIO_SERVER, MCP_START_LOG: log } });
  expect(recorded.code, recorded.output).toBe(0);
  expect(await starts()).toBe(1);
  const toolIds = [...(await project.cassettes()).values()].flatMap((text) => (JSON.parse(text) as { entries: Array<{ toolId: string }> }).entries.map((e) => e.toolId));
  expect(toolIds.sort()).toEqual(['mcp:weather initialize', 'mcp:weather tools/call get_forecast', 'mcp:weather tools/call get_forecast']);

  const replayed = await runRunner('vitest', project, { files: ['before-all.test.ts'], env: { CI: 'true', MCP_SERVER: join(project.dir, 'gone.mjs'), MCP_START_LOG: log } });
  expect(replayed.code, replayed.output).toBe(0);
  expect(await starts()).toBe(1);
});
