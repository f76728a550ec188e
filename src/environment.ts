import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RecordedEnvironment } from './format.js';
import { childProcess } from './lazy-deps.js';
import { remembering } from './memo.js';
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

// Per root: the package lookups and the two git commands run once per process, not once per cassette.
const runtimes = new Map<string, RecordedEnvironment>();
const withGit = new Map<string, RecordedEnvironment>();

/**
 * What replay compares against (see {@link environmentDrift}): Node, platform, tapedeck and the versions
 * of the client packages found from `root` upward (the user's project). Cheap: no child process.
 */
export function runtimeEnvironment(root = process.cwd()): RecordedEnvironment {
  const known = runtimes.get(root);
  if (known !== undefined) return known;
  const env = runtimeEnvironmentOf(TRACKED_PACKAGES, root);
  runtimes.set(root, env);
  return env;
}

/**
 * {@link runtimeEnvironment} with only the versions of `names` (tracked ones) looked up: what a replay compares a
 * cassette's recorded packages against (a package installed since is not drift), without looking for
 * every tracked package in every folder up to the root on a test file's first replay.
 */
export function runtimeEnvironmentOf(names: Iterable<string>, root = process.cwd()): RecordedEnvironment {
  const packages: Record<string, string> = {};
  for (const name of names) {
    // Only tracked names are looked up (a cassette's own list is data, not paths to read).
    if (!TRACKED_PACKAGES.includes(name)) continue;
    const version = packageVersion(JSON.stringify([root, name]));
    if (version !== undefined) packages[name] = version;
  }
  return { node: process.version, platform: `${process.platform}-${process.arch}`, tapedeck: VERSION, packages };
}

/**
 * The environment recorded into `meta.environment`: {@link runtimeEnvironment} plus, when `root` is in a
 * git repository, the commit and whether the tree was dirty (provenance, not drift). Runs git, so it is
 * only called when a cassette is written (~25 ms once per process, not on every replayed test file).
 */
export function currentEnvironment(root = process.cwd()): RecordedEnvironment {
  const known = withGit.get(root);
  if (known !== undefined) return known;
  const env: RecordedEnvironment = { ...runtimeEnvironment(root) };
  const git = gitProvenance(root);
  if (git !== undefined) env.git = git;
  withGit.set(root, env);
  return env;
}

/**
 * The commit checked out at `root` and whether the tree differs from it, or `undefined` when git is not
 * installed, `root` is not in a repository, or the repository has no commit yet. Never throws: provenance
 * is a note on the cassette, and a test must not fail for the want of it.
 */
export function gitProvenance(root: string): { commit: string; dirty: boolean } | undefined {
  const git = (args: string[]): string =>
    childProcess().execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000, windowsHide: true });
  try {
    const commit = git(['rev-parse', '--verify', '--quiet', 'HEAD']).trim();
    if (!/^[0-9a-f]{40,64}$/.test(commit)) return undefined;
    // Cassettes are left out: the test run writes them itself (other workers may already have), and a
    // tree that differs only in its recordings still holds the code they were recorded from.
    const status = git(['status', '--porcelain', '--', ':(top)', ':(top,exclude,glob)**/__cassettes__/**']);
    return { commit, dirty: status.trim() !== '' };
  } catch {
    return undefined; // no git, not a repository, or git failed: record nothing rather than guess
  }
}

// Per root and package (a JSON pair), once per process; "not installed" is remembered too.
const packageVersion = remembering((key) => {
  const [root, name] = JSON.parse(key) as [string, string];
  return findPackageVersion(name, root);
}, 1000);

function findPackageVersion(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'node_modules', name, 'package.json');
    // Most folders up to the root have no copy: ask without the cost of an exception for each.
    if (statSync(file, { throwIfNoEntry: false }) !== undefined) {
      try {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown };
        if (typeof pkg.version === 'string') return pkg.version;
      } catch {
        /* unreadable or not JSON: look one folder up */
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * What changed between the environment a cassette was recorded in and the current one, as
 * `field: old -> new` lines. Only what can change behaviour counts: Node's major version and the
 * versions of the client packages recorded (one since uninstalled shows as `(not installed)`; one
 * installed since is not drift, since the recording never went through it). Platform and git are
 * provenance: CI on Linux replaying a cassette recorded on a Mac is the normal case, not drift.
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
