// Dependencies loaded on first use: what a replaying test never needs costs its file nothing at import.
// zod costs a test file ~70 ms of CPU (its classic API pulls in every locale), more than the rest of
// tapedeck together: a valid cassette is accepted by plain code (format.ts) and a tool without a schema
// never validates, so zod is loaded only to word a corrupt cassette's error, to validate a tool's schema,
// or to read an unused-entries record. jsdiff (~10 ms) aligns messages in `verify` verdicts and `tapedeck diff`.
import { createRequire } from 'node:module';

/** `load()`, called once, on first use. */
function onFirstUse<T>(load: () => T): () => T {
  let loaded: { value: T } | undefined;
  return () => (loaded ??= { value: load() }).value;
}

// Resolved from tapedeck's own file (they are its dependencies, not always the project's); tsup's shims
// give the CommonJS build an `import.meta.url`.
const own = (name: string): unknown => createRequire(import.meta.url)(name);

/** The zod module, required synchronously the first time it is needed. */
export const zod = onFirstUse(() => own('zod') as typeof import('zod'));

/** The jsdiff module (`diff`), required synchronously the first time it is needed. */
export const jsdiff = onFirstUse(() => own('diff') as typeof import('diff'));

/** `node:child_process` (git provenance, written only when a cassette is). */
export const childProcess = onFirstUse(() => own('node:child_process') as typeof import('node:child_process'));
