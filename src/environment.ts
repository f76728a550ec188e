import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RecordedEnvironment } from './format.js';
import { VERSION } from './version.js';

/** Client packages whose versions are recorded, because their changes can change what is on the wire. */
export const TRACKED_PACKAGES: readonly string[] = [
  'openai',
  '@anthropic-ai/sdk',
  'undici',
  'ai',
  '@langchain/core',
  'langchain',
  '@google/genai',
  '@mistralai/mistralai',
  'cohere-ai',
  'axios',
  'got',
  'msw',
];

let cached: RecordedEnvironment | undefined;

/** The environment recorded into `meta.environment`: Node, platform, tapedeck and client package versions. */
export function currentEnvironment(root = process.cwd()): RecordedEnvironment {
  if (cached !== undefined && root === process.cwd()) return cached;
  const packages: Record<string, string> = {};
  for (const name of TRACKED_PACKAGES) {
    const version = findPackageVersion(name, root);
    if (version !== undefined) packages[name] = version;
  }
  const env: RecordedEnvironment = { node: process.version, platform: `${process.platform}-${process.arch}`, tapedeck: VERSION, packages };
  if (root === process.cwd()) cached = env;
  return env;
}

function findPackageVersion(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')) as { version?: unknown };
      if (typeof pkg.version === 'string') return pkg.version;
    } catch {
      /* not installed here: look one folder up */
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * What changed between the environment a cassette was recorded in and the current one, as
 * `field: old -> new` lines. Only what can change behaviour counts: Node's major version and the
 * client packages' versions (a package present on only one side is listed too).
 */
export function environmentDrift(recorded: RecordedEnvironment | undefined, current: RecordedEnvironment): string[] {
  if (recorded === undefined) return [];
  const lines: string[] = [];
  const major = (v: string | undefined): string | undefined => v?.replace(/^v/, '').split('.')[0];
  if (recorded.node !== undefined && major(recorded.node) !== major(current.node)) lines.push(`node: ${recorded.node} -> ${current.node}`);
  const before = recorded.packages ?? {};
  const after = current.packages ?? {};
  for (const name of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    if (name === 'msw') continue;
    if (before[name] !== after[name] && before[name] !== undefined) lines.push(`packages.${name}: ${before[name]} -> ${after[name] ?? '(not installed)'}`);
  }
  return lines;
}
