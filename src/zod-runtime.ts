// zod, loaded on first use. Importing zod costs a test file ~70 ms of CPU (its classic API pulls in every
// locale), more than the rest of tapedeck together, and a replaying test never needs it: a valid cassette
// is accepted by plain code (format.ts), a tool without a schema never validates. zod is loaded only to
// word a corrupt cassette's error, to validate a tool's schema, or to read an unused-entries record.
import { createRequire } from 'node:module';

let loaded: typeof import('zod') | undefined;

/** The zod module, required synchronously the first time it is needed. */
export function zod(): typeof import('zod') {
  // Resolved from tapedeck's own file (zod is its dependency, not always the project's); tsup's shims give
  // the CommonJS build an `import.meta.url`.
  loaded ??= createRequire(import.meta.url)('zod') as typeof import('zod');
  return loaded;
}
