import { Module, createRequire } from 'node:module';
import { join } from 'node:path';

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

/**
 * A load failure as the user should see it: when msw's ES-module dependencies cannot be loaded here
 * (Node < 20.19 under jest), what to do about it; any other error as it is.
 */
export function explainLoadError(error: unknown): unknown {
  if ((error as NodeJS.ErrnoException | null)?.code !== 'ERR_REQUIRE_ESM') return error;
  return new Error(
    `tapedeck: cannot load msw here: ${(error as Error).message.split('\n')[0]}\n` +
      `  This Node (${process.version}) cannot require msw's ES-module dependencies, and jest's CommonJS runtime cannot either.\n` +
      `  fix: use Node >= 20.19, or let jest transform them:\n` +
      `    transform: { '^.+\\.(ts|js|mjs)$': '@swc/jest' },\n` +
      `    transformIgnorePatterns: ['/node_modules/(?!(rettime|until-async|@open-draft/deferred-promise)/)'],\n` +
      `  or, for suites that only use tool(), configure({ http: false }).`,
    { cause: error },
  );
}
