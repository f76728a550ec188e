// Before the tests: builds dist/ once when it is missing or stale (see scripts/ensure-dist.ts), and gives
// the run a temp folder of its own, removed when the run ends.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDist } from '../scripts/ensure-dist.js';

export default function setup(): () => void {
  // os.tmpdir() reads TMPDIR on every call, and the test workers and the runners they spawn inherit this
  // environment: every temp folder any test makes lands in here, so one removal leaves the system temp
  // folder as it was, however a test ends.
  const run = mkdtempSync(join(tmpdir(), 'tapedeck-test-run-'));
  process.env.TMPDIR = run;
  if (process.env.TAPEDECK_SKIP_BUILD !== '1') ensureDist(); // TAPEDECK_SKIP_BUILD=1: quick local runs of tests that use src/ only
  return () => rmSync(run, { recursive: true, force: true });
}
