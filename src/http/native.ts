import { readFileSync } from 'node:fs';
import { Module, createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The error codes of a module that is not installed. */
export const MISSING_MODULE = new Set(['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND']);

/**
 * Node's own `require`, rooted at the project (or at `from`). jest swaps `module.createRequire` for one
 * bound to its registry, which cannot load the ES-module-only dependencies of msw and its interceptors;
 * its `Module` class extends Node's real one, whose static `createRequire` is Node's own. Modules loaded
 * this way live in the host realm, once per process, as they do outside jest.
 */
export function nativeRequire(from = join(process.cwd(), 'package.json')): NodeJS.Require {
  const parent = Object.getPrototypeOf(Module) as { createRequire?: typeof createRequire } | null;
  const create = typeof parent?.createRequire === 'function' ? parent.createRequire : createRequire;
  return create(from);
}

/** Where the copy of `@mswjs/interceptors` tapedeck patches the process with comes from. */
export interface InterceptorsPackage {
  /** Node's own `require`, rooted where that copy resolves (msw's folder, or tapedeck's). */
  require: NodeJS.Require;
  /** Who depends on that copy, for messages: `msw 3.0.5` or `tapedeck`. */
  owner: string;
  /** The version of that copy of `@mswjs/interceptors`. */
  version: string;
  /**
   * An ES-module-only package (0.45). Loaded with `import()` where the runtime allows it, so it is the
   * very instance msw's own `import` gets: module hooks (tsx, other loaders) make `require()` of an ES
   * module a second instance, and a second instance of 0.45 builds a second socket interceptor.
   */
  esm: boolean;
}

/** Interception cannot be established here: why, and what to install or change. */
export interface Unavailable {
  unavailable: string;
}

/** This file, in the built package (tsup shims `import.meta.url` in the CommonJS build) and in `src`. */
const SELF = fileURLToPath(import.meta.url);

/**
 * Finds the one copy of `@mswjs/interceptors` to patch the process with. Interceptors register
 * process-wide, and two copies (or two generations: 0.41 patches `fetch` and `http.ClientRequest`, 0.45
 * sockets) must never both patch it, or a user's msw server and tapedeck each answer requests the other
 * should. So when the project has msw (2.x: interceptors 0.41; 3.x: 0.45), tapedeck joins msw's own copy,
 * resolved from msw's folder (pnpm's strict layout included); otherwise it uses its own dependency.
 */
export function locateInterceptors(): InterceptorsPackage | Unavailable {
  let owner = 'tapedeck';
  let from = SELF;
  try {
    const mswManifest = nativeRequire().resolve('msw/package.json');
    owner = `msw ${readManifest(mswManifest).version ?? '(unknown version)'}`;
    from = mswManifest;
  } catch (error) {
    if (!MISSING_MODULE.has((error as NodeJS.ErrnoException).code ?? '')) {
      return { unavailable: `msw is installed, but tapedeck cannot read its package.json (${firstLine(error)}).\n  fix: reinstall msw (npm install -D msw), or configure({ http: false }) for suites that only use tool().` };
    }
  }
  const require = nativeRequire(from);
  let entry: string;
  try {
    entry = require.resolve('@mswjs/interceptors');
  } catch (error) {
    if (!MISSING_MODULE.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
    return {
      unavailable:
        owner === 'tapedeck'
          ? `@mswjs/interceptors, a dependency of tapedeck, is not installed next to it (${dirname(dirname(SELF))}).\n  fix: reinstall tapedeck (npm install -D tapedeck); an install with --omit or --no-optional may have skipped it.`
          : `${owner} is installed, but its @mswjs/interceptors cannot be found from ${dirname(from)}.\n  fix: reinstall msw (npm install -D msw).`,
    };
  }
  const manifest = readManifest(packageRoot(entry));
  const version = manifest.version ?? '(unknown version)';
  const needs = manifest.engines?.node;
  if (needs !== undefined && !nodeSatisfies(needs)) {
    const via = owner === 'tapedeck' ? 'tapedeck' : owner;
    return {
      unavailable:
        `@mswjs/interceptors ${version} (installed with ${via}) needs Node ${needs}; this is Node ${process.versions.node}.\n` +
        `  fix: run on Node ${needs}${owner.startsWith('msw 3') ? ', or use msw 2.x on this Node (npm install -D msw@^2.15)' : ''}.`,
    };
  }
  return { require, owner, version, esm: manifest.type === 'module' };
}

/** The package.json of the package a resolved entry file belongs to. */
function packageRoot(entry: string): string {
  const marker = `${sep}@mswjs${sep}interceptors${sep}`;
  const at = entry.lastIndexOf(marker);
  return at === -1 ? join(dirname(entry), 'package.json') : join(entry.slice(0, at + marker.length), 'package.json');
}

interface Manifest {
  version?: string;
  type?: string;
  engines?: { node?: string };
}

function readManifest(path: string): Manifest {
  return JSON.parse(readFileSync(path, 'utf8')) as Manifest;
}

/**
 * Whether this Node satisfies an `engines.node` range. Only the forms interceptors and msw publish are
 * read (`>=22`, `>=22.12.0`, `^20.19.0 || >=22`); any other form counts as satisfied, and loading decides.
 */
export function nodeSatisfies(range: string, version = process.versions.node): boolean {
  const current = version.split('.').map(Number);
  return range.split('||').some((alternative) => {
    const match = /^\s*(>=|\^)?\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?\s*$/.exec(alternative);
    if (match === null) return true;
    const wanted = [Number(match[2]), Number(match[3] ?? 0), Number(match[4] ?? 0)];
    if (match[1] === '^' && current[0] !== wanted[0]) return false;
    for (let i = 0; i < 3; i++) {
      if (current[i]! !== wanted[i]!) return current[i]! > wanted[i]!;
    }
    return true;
  });
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

/**
 * A load failure as the user should see it: when msw's ES-module dependencies cannot be loaded here
 * (Node < 20.19 under jest), what to do about it; any other error as it is.
 */
export function explainLoadError(error: unknown): unknown {
  if ((error as NodeJS.ErrnoException | null)?.code !== 'ERR_REQUIRE_ESM') return error;
  return new Error(
    `tapedeck: cannot load msw here: ${firstLine(error)}\n` +
      `  This Node (${process.version}) cannot require msw's ES-module dependencies, and jest's CommonJS runtime cannot either.\n` +
      `  fix: use Node >= 20.19, or let jest transform them:\n` +
      `    transform: { '^.+\\.(ts|js|mjs)$': '@swc/jest' },\n` +
      `    transformIgnorePatterns: ['/node_modules/(?!(rettime|until-async|@open-draft/deferred-promise)/)'],\n` +
      `  or, for suites that only use tool(), configure({ http: false }).`,
    { cause: error },
  );
}
