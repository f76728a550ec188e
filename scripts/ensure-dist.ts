// Builds dist/ when it is missing or older than the sources. The examples, the adapter, CLI and packaging
// tests, and the bench's suite section all run the *built* package, as a user would, and the README's
// commands (`npm run example`, `npm test`) must work on a fresh clone, before any `npm run build`.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

export function ensureDist(): void {
  const marker = join(root, 'dist', 'index.js');
  const sources = Math.max(...['src', 'adapters'].filter((d) => existsSync(join(root, d))).map((d) => newest(join(root, d))), statSync(join(root, 'tsup.config.ts')).mtimeMs);
  if (existsSync(marker) && statSync(marker).mtimeMs >= sources) return;
  // One line instead of tsup's ~50 lines of per-file sizes; its errors still show (--silent keeps them).
  const started = performance.now();
  process.stderr.write('building dist/ (missing or older than the sources) ... ');
  execFileSync(process.execPath, [join(root, 'node_modules', 'tsup', 'dist', 'cli-default.js'), '--silent'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  process.stderr.write(`done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}
