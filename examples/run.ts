// `npm run example`: runs the example suites (vitest and jest) in replay mode, offline, and shows what
// tapedeck replayed. `npm run example:record` (--record) starts the loopback fake API and re-records.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDist } from '../scripts/ensure-dist.js';
import { startFakeApi } from './fake-api.js';

const root = join(import.meta.dirname, '..');
const record = process.argv.includes('--record');
const bin = (name: string) => join(root, 'node_modules', '.bin', name);

// Async on purpose: while recording, the fake API answers from this very process's event loop.
async function run(title: string, command: string, args: string[], env: NodeJS.ProcessEnv): Promise<boolean> {
  console.log(`\n=== ${title} ===`);
  const started = performance.now();
  const child = spawn(command, args, { cwd: root, env });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c));
  child.stderr.on('data', (c: Buffer) => (output += c));
  const result = await new Promise<{ status: number | null }>((resolve) => child.on('close', (status) => resolve({ status })));
  const lines = output.split('\n');
  // The runners' own summaries and tapedeck's per-file lines are what a reader wants to see here.
  // eslint-disable-next-line no-control-regex
  for (const line of lines) if (/tapedeck:|Tests:|Tests |Test Files|✓|✗|×|PASS|FAIL|passed|failed/.test(line)) console.log(line.replace(/\x1b\[[0-9;]*m/g, ''));
  if (result.status !== 0) console.log(output);
  console.log(`(${title}: ${((performance.now() - started) / 1000).toFixed(1)} s, exit ${result.status})`);
  return result.status === 0;
}

// The examples import `tapedeck` as users do, through its package exports: build it on a fresh clone.
ensureDist();

const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0' };
// The MCP example's server (examples/mcp-agent/server.ts) notes each start here: replay must start none.
const spawnLog = join(mkdtempSync(join(tmpdir(), 'tapedeck-example-')), 'mcp-server-starts.log');
env.MCP_SPAWN_LOG = spawnLog;
let fake: Awaited<ReturnType<typeof startFakeApi>> | undefined;
if (record) {
  fake = await startFakeApi(4010);
  env.RECORD = '1';
  delete env.CI; // recording is a local act; under CI tapedeck refuses it
  console.log(`fake OpenAI + weather + repos API listening on ${fake.url}; RECORD=1`);
} else {
  env.RECORD = '0'; // replay only: an unrecorded call fails instead of going to the network
}
let ok = [
  await run('vitest examples', process.execPath, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', 'examples/vitest.config.ts'], env),
  await run('jest examples', bin('jest'), ['--config', 'examples/jest.config.cjs'], env),
].every(Boolean);
const starts = existsSync(spawnLog) ? readFileSync(spawnLog, 'utf8').split('\n').filter(Boolean).length : 0;
console.log(`\nthe MCP example's server was started ${starts} time${starts === 1 ? '' : 's'}${record ? '' : ' (replay starts none)'}`);
if (!record && starts > 0) ok = false;
if (fake) {
  console.log(`\nthe fake API served ${fake.requests()} requests while recording`);
  await fake.close();
}
console.log(ok ? `\nexamples ${record ? 'recorded' : 'replayed'}: cassettes are in examples/**/__cassettes__/` : '\nexamples failed');
process.exit(ok ? 0 : 1);
