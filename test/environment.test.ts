import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { currentEnvironment, environmentDrift, gitProvenance, runtimeEnvironment, runtimeEnvironmentOf } from '../src/environment.js';
import type { RecordedEnvironment } from '../src/format.js';
import { tool, withCassette, VERSION } from '../src/index.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** A temp folder holding a fake project: `node_modules/<name>/package.json` for each package given. */
async function project(packages: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'tapedeck-env-'));
  for (const [name, version] of Object.entries(packages)) {
    await mkdir(join(root, 'node_modules', name), { recursive: true });
    await writeFile(join(root, 'node_modules', name, 'package.json'), JSON.stringify({ name, version }));
  }
  return root;
}

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=tapedeck', '-c', 'user.email=tapedeck@example.com', '-c', 'commit.gpgsign=false', ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();

/** A temp git repository with one commit (`src/agent.ts`); returns its folder and commit. */
async function repository(): Promise<{ root: string; commit: string }> {
  const root = await project({});
  await mkdir(join(root, 'src'));
  await writeFile(join(root, 'src', 'agent.ts'), 'export const answer = 42;\n');
  git(root, 'init', '-q');
  git(root, 'add', '.');
  git(root, 'commit', '-q', '-m', 'first');
  return { root, commit: git(root, 'rev-parse', 'HEAD') };
}

describe('currentEnvironment', () => {
  it('records node, platform, tapedeck and the client packages found from the project folder upward', async () => {
    const root = await project({ openai: '6.52.0', '@anthropic-ai/sdk': '1.2.3', 'left-pad': '1.0.0' });
    const app = join(root, 'packages', 'app');
    await mkdir(join(app, 'node_modules', 'openai'), { recursive: true });
    await writeFile(join(app, 'node_modules', 'openai', 'package.json'), JSON.stringify({ version: '6.0.0' }));
    const env = currentEnvironment(app);
    expect(env).toEqual({
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      tapedeck: VERSION,
      // The nearest install wins, as Node resolves it; untracked packages are not listed.
      packages: { openai: '6.0.0', '@anthropic-ai/sdk': '1.2.3' },
    });
    expect(currentEnvironment(root).packages).toEqual({ openai: '6.52.0', '@anthropic-ai/sdk': '1.2.3' });
  });

  it("finds this repository's own openai and @anthropic-ai/sdk", async () => {
    const version = async (name: string) => (JSON.parse(await readFile(join(repoRoot, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
    expect(currentEnvironment(repoRoot).packages).toMatchObject({ openai: await version('openai'), '@anthropic-ai/sdk': await version('@anthropic-ai/sdk') });
  });
});

describe('git provenance', () => {
  it('records the commit and a clean tree', async () => {
    const { root, commit } = await repository();
    expect(commit).toMatch(/^[0-9a-f]{40}$/);
    expect(gitProvenance(root)).toEqual({ commit, dirty: false });
    expect(currentEnvironment(join(root, 'src')).git).toEqual({ commit, dirty: false }); // from a subfolder too
  });

  it('sees a modified or an untracked source file as dirty, anywhere in the tree', async () => {
    const modified = await repository();
    await writeFile(join(modified.root, 'src', 'agent.ts'), 'export const answer = 43;\n');
    expect(gitProvenance(modified.root)).toEqual({ commit: modified.commit, dirty: true });
    const untracked = await repository();
    await mkdir(join(untracked.root, 'test'));
    await writeFile(join(untracked.root, 'test', 'new.test.ts'), '');
    expect(gitProvenance(join(untracked.root, 'src'))).toEqual({ commit: untracked.commit, dirty: true });
  });

  it('does not count cassettes (which the test run writes itself) as changes', async () => {
    const { root, commit } = await repository();
    await mkdir(join(root, 'test', '__cassettes__', 'a.test.ts'), { recursive: true });
    await writeFile(join(root, 'test', '__cassettes__', 'a.test.ts', 'answers.json'), '{}\n');
    expect(gitProvenance(root)).toEqual({ commit, dirty: false });
  });

  it('records nothing, without failing, outside a repository, before the first commit, or without git', async () => {
    const plain = await project({ openai: '6.52.0' });
    expect(gitProvenance(plain)).toBeUndefined();
    expect(currentEnvironment(plain)).not.toHaveProperty('git');
    const empty = await project({});
    git(empty, 'init', '-q');
    expect(gitProvenance(empty)).toBeUndefined();
    const { root } = await repository();
    const path = process.env.PATH;
    process.env.PATH = await project({}); // a folder with no git in it
    try {
      expect(gitProvenance(root)).toBeUndefined();
    } finally {
      process.env.PATH = path;
    }
    expect(gitProvenance(root)).toBeDefined();
  });

  it('asks git once per project folder per process', async () => {
    const { root, commit } = await repository();
    expect(currentEnvironment(root).git).toEqual({ commit, dirty: false });
    await writeFile(join(root, 'src', 'agent.ts'), 'changed\n');
    expect(currentEnvironment(root).git).toEqual({ commit, dirty: false });
    expect(gitProvenance(root)).toEqual({ commit, dirty: true });
  });
});

describe('environmentDrift', () => {
  const recorded: RecordedEnvironment = {
    node: 'v20.11.0',
    platform: 'darwin-arm64',
    tapedeck: '0.0.9',
    packages: { openai: '6.49.0', '@anthropic-ai/sdk': '1.12.0', msw: '2.14.0' },
    git: { commit: 'a'.repeat(40), dirty: true },
  };
  const now = (changes: Partial<RecordedEnvironment>): RecordedEnvironment => ({ ...structuredClone(recorded), ...changes });

  it.each<[string, Partial<RecordedEnvironment>, string[]]>([
    ['nothing that changes behaviour', { node: 'v20.20.2', platform: 'linux-x64', tapedeck: '0.1.0', git: { commit: 'b'.repeat(40), dirty: false } }, []],
    ['a new Node major', { node: 'v22.1.0' }, ['node: v20.11.0 -> v22.1.0']],
    ['an upgraded client package', { packages: { openai: '6.52.0', '@anthropic-ai/sdk': '1.12.0', msw: '2.14.0' } }, ['packages.openai: 6.49.0 -> 6.52.0']],
    ['an uninstalled client package', { packages: { openai: '6.49.0', msw: '2.14.0' } }, ['packages.@anthropic-ai/sdk: 1.12.0 -> (not installed)']],
    ['a package installed since (the recording never went through it)', { packages: { ...recorded.packages, ai: '5.0.0' } }, []],
    ['msw itself (tapedeck replays through it, it is not on the wire)', { packages: { ...recorded.packages, msw: '2.15.0' } }, []],
  ])('reports %s', (_name, changes, expected) => {
    expect(environmentDrift(recorded, now(changes))).toEqual(expected);
  });

  // A replay looks up only the packages its cassette recorded: the same verdicts as the full environment.
  it('looks up only the tracked packages a cassette names, with the same result as the full lookup', async () => {
    const root = await project({ openai: '6.52.0', undici: '7.1.0', 'left-pad': '1.3.0' });
    await mkdir(join(root, 'evil'), { recursive: true });
    await writeFile(join(root, 'evil', 'package.json'), JSON.stringify({ version: '6.6.6' }));
    const some = runtimeEnvironmentOf(['openai', 'ai', 'left-pad', '../../evil', '../evil'], root);
    expect(some.packages).toEqual({ openai: '6.52.0' });
    expect(runtimeEnvironment(root).packages).toEqual({ openai: '6.52.0', undici: '7.1.0' });
    const names = Object.keys(recorded.packages!);
    expect(environmentDrift(recorded, runtimeEnvironmentOf(names, root))).toEqual(environmentDrift(recorded, runtimeEnvironment(root)));
  });

  it('reports nothing for a cassette recorded without an environment', () => {
    expect(environmentDrift(undefined, recorded)).toEqual([]);
  });
});

describe('the environment in a cassette', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });
  const inProject = <T>(root: string, fn: () => Promise<T>): Promise<T> => {
    const spy = vi.spyOn(process, 'cwd').mockReturnValue(root);
    return fn().finally(() => spy.mockRestore());
  };

  it('is written on record, with provenance, and a changed package is one warning per cassette on replay', async () => {
    const recordedIn = await repository();
    for (const [name, version] of [['openai', '6.49.0'], ['undici', '6.21.0']]) {
      await mkdir(join(recordedIn.root, 'node_modules', name!), { recursive: true });
      await writeFile(join(recordedIn.root, 'node_modules', name!, 'package.json'), JSON.stringify({ version }));
    }
    await writeFile(join(recordedIn.root, '.gitignore'), 'node_modules\n');
    git(recordedIn.root, 'add', '.gitignore');
    git(recordedIn.root, 'commit', '-q', '-m', 'ignore node_modules');
    const commit = git(recordedIn.root, 'rev-parse', 'HEAD');
    const path = join(recordedIn.root, 'test', '__cassettes__', 'agent.test.ts', 'answers.json');
    const weather = tool('weather.get', async (city: string) => ({ city, temp: 62 }));
    const agent = async () => [await weather('SFO'), await weather('NYC'), await weather('SFO')];

    const warnings: string[] = [];
    const onWarning = (message: string) => warnings.push(message);
    await inProject(recordedIn.root, () => withCassette({ path, mode: 'record', onWarning }, agent));
    const meta = (JSON.parse(await readFile(path, 'utf8')) as { meta: { environment: RecordedEnvironment } }).meta;
    expect(meta.environment).toEqual({
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      tapedeck: VERSION,
      packages: { openai: '6.49.0', undici: '6.21.0' },
      git: { commit, dirty: false },
    });

    // Replayed where it was recorded: no warning.
    await inProject(recordedIn.root, () => withCassette({ path, mode: 'replay', onWarning }, agent));
    expect(warnings).toEqual([]);

    // Replayed in a project with a newer openai and no undici: the test passes, with one warning.
    const upgraded = await project({ openai: '6.52.0' });
    const replayed = await inProject(upgraded, () => withCassette({ path, mode: 'replay', onWarning }, agent));
    expect(replayed).toEqual([{ city: 'SFO', temp: 62 }, { city: 'NYC', temp: 62 }, { city: 'SFO', temp: 62 }]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`tapedeck: warning: ${path} was recorded in a different environment`);
    expect(warnings[0]).toContain('    packages.openai: 6.49.0 -> 6.52.0\n    packages.undici: 6.21.0 -> (not installed)');
    expect(await readFile(path, 'utf8')).toContain('"openai": "6.49.0"'); // replay never rewrites it
  });
});
