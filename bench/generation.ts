// The HTTP section's second generation: Node 22 with msw 3 (@mswjs/interceptors 0.45, socket-level),
// beside the first (this process's Node with the repo's msw 2, interceptors 0.41); the openai sections
// also run a third, Node 24 with msw 3, whose AsyncLocalStorage no longer costs every promise. The Node binary and
// msw 3 come from the npm registry into the compatibility matrix's cache, once.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { installInCache, nodeBinary } from '../scripts/compat/cache.js';
import type { Runtime } from './lib/child.js';

export interface Generation {
  runtime: Runtime;
  env: NodeJS.ProcessEnv;
  /** As the report names it: `Node 22.23.3, msw 3.0.5, @mswjs/interceptors 0.45.12`. */
  label: string;
}

/** msw 3 under Node `major` (22 for the HTTP and openai sections' second generation; 24 for the openai ones' third). */
export async function mswNext(major: '22' | '24' = '22'): Promise<Generation> {
  const node = await nodeBinary(major);
  const folder = dirname(dirname(dirname(await installInCache('bench-msw3', 'msw@^3', join('msw', 'package.json')))));
  const version = (name: string) => (JSON.parse(readFileSync(join(folder, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  const nodeVersion = readFileSync(join(dirname(dirname(node)), 'package.json'), 'utf8');
  return {
    runtime: { execPath: node, cwd: folder, nodeArgs: ['--import', join(import.meta.dirname, 'lib', 'msw-from.mjs')] },
    env: { TAPEDECK_BENCH_MSW_FROM: folder },
    label: `Node ${(JSON.parse(nodeVersion) as { version: string }).version}, msw ${version('msw')}, @mswjs/interceptors ${version('@mswjs/interceptors')}`,
  };
}
