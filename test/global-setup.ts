// Builds dist/ once before the tests when it is missing or stale (see scripts/ensure-dist.ts).
import { ensureDist } from '../scripts/ensure-dist.js';

export default function setup(): void {
  if (process.env.TAPEDECK_SKIP_BUILD === '1') return; // for quick local runs of tests that use src/ only
  ensureDist();
}
