import { z } from 'zod';
import { ReplayError } from './errors.js';
import { formatPath } from './json-path.js';

/** The cassette format this version writes. */
export const SCHEMA_VERSION = 1;

// Loose objects everywhere: fields written by a newer tapedeck are kept on rewrite (DESIGN section 6).
const recordedErrorSchema = z.looseObject({
  name: z.string(),
  message: z.string(),
  data: z.unknown().optional(),
});

const resultSchema = z.discriminatedUnion('ok', [
  z.looseObject({ ok: z.literal(true), value: z.unknown().optional() }),
  z.looseObject({ ok: z.literal(false), error: recordedErrorSchema }),
]);

// A recorded HTTP response (DESIGN section 3), as replay needs it to build a Response: a damaged one is
// refused on load, naming its path, instead of replaying as a network error that says nothing.
/* eslint-disable no-control-regex */
const headerValue = z.string().regex(/^[^\u0000\r\n\u0100-\uffff]*$/, 'must be a header value (no line breaks, Latin-1 only)');
const httpResponseSchema = z.looseObject({
  status: z.number().int().min(200).max(599),
  statusText: z.string().regex(/^[\t\u0020-\u007e\u0080-\u00ff]*$/, 'must be an HTTP reason phrase'),
  headers: z.record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be an HTTP header name'), z.union([headerValue, z.array(headerValue)])),
  body: z.union([
    z.looseObject({ json: z.unknown() }),
    z.looseObject({ text: z.string() }),
    z.looseObject({ base64: z.string() }),
    z.looseObject({
      sse: z.array(
        z.looseObject({ data: z.string(), event: z.string().optional(), id: z.string().optional(), retry: z.number().int().min(0).optional(), delayMs: z.number().min(0).optional() }),
      ),
    }),
  ]),
});
/* eslint-enable no-control-regex */

const entrySchema = z
  .looseObject({
    toolId: z.string().min(1),
    argsHash: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters (a SHA-256)'),
    args: z.unknown(),
    result: resultSchema,
  })
  .superRefine((entry, ctx) => {
    if (!entry.toolId.startsWith('http:') || !entry.result.ok) return;
    const parsed = httpResponseSchema.safeParse(entry.result.value);
    const issue = parsed.error?.issues[0];
    if (issue) ctx.addIssue({ code: 'custom', message: issue.message, path: ['result', 'value', ...issue.path] });
  });

const environmentSchema = z.looseObject({
  node: z.string().optional(),
  platform: z.string().optional(),
  tapedeck: z.string().optional(),
  packages: z.record(z.string(), z.string()).optional(),
  /** Provenance: the commit the project was at when recorded, and whether its tree had other changes. */
  git: z.looseObject({ commit: z.string(), dirty: z.boolean() }).optional(),
});

const metaSchema = z.looseObject({
  tapedeck: z.string().optional(),
  recordedAt: z.string().optional(),
  environment: environmentSchema.optional(),
  tools: z.record(z.string(), z.looseObject({ signature: z.string() })).optional(),
});

const fileSchema = z.looseObject({
  schemaVersion: z.number().int().min(1),
  meta: metaSchema.optional(),
  entries: z.array(entrySchema),
});

/** A recorded error: what replay throws again. */
export type RecordedError = z.infer<typeof recordedErrorSchema>;
/** The outcome of a recorded call: a value, or an error. */
export type EntryResult = z.infer<typeof resultSchema>;
/** One recorded call (DESIGN section 6). */
export type Entry = z.infer<typeof entrySchema>;
/** Where and with what a cassette was recorded. */
export type CassetteMeta = z.infer<typeof metaSchema>;
/** Versions of the runtime and client packages a cassette was recorded with. */
export type RecordedEnvironment = z.infer<typeof environmentSchema>;
/** The whole cassette file, as written to disk. */
export type CassetteFile = z.infer<typeof fileSchema>;

/** A validated cassette and what the user should hear about it (e.g. a newer schema version). */
export interface ParsedCassette {
  file: CassetteFile;
  warnings: string[];
}

/**
 * Validates parsed JSON as a cassette file. Throws `corrupt-cassette` naming the file and the JSON path
 * of the first problem, or `schema-version-unsupported` for a newer version whose entries do not fit.
 */
export function parseCassetteFile(data: unknown, source = '<memory>'): ParsedCassette {
  const version = readVersion(data);
  const parsed = fileSchema.safeParse(data);
  if (version !== undefined && version > SCHEMA_VERSION) {
    if (!parsed.success) {
      throw new ReplayError(
        'schema-version-unsupported',
        `tapedeck: ${source} has schemaVersion ${version}, and this tapedeck reads version ${SCHEMA_VERSION}.\n` +
          `  Its entries do not fit version ${SCHEMA_VERSION}: ${describeIssue(parsed.error.issues[0])}\n` +
          `  fix: upgrade tapedeck, or re-record the cassette with this version (RECORD=1).`,
        { cassettePath: source, jsonPath: issuePath(parsed.error.issues[0]) },
      );
    }
    return {
      file: parsed.data,
      warnings: [
        `${source} has schemaVersion ${version} (newer than ${SCHEMA_VERSION}); its entries still validate, so it is read as version ${SCHEMA_VERSION}. Upgrade tapedeck to silence this.`,
      ],
    };
  }
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ReplayError(
      'corrupt-cassette',
      `tapedeck: ${source} is not a valid cassette.\n  at ${issuePath(issue)}: ${issue?.message ?? 'invalid'}\n` +
        `  fix: restore the file from version control, or delete it and re-record (RECORD=1).`,
      { cassettePath: source, jsonPath: issuePath(issue) },
    );
  }
  return { file: parsed.data, warnings: [] };
}

function readVersion(data: unknown): number | undefined {
  if (data === null || typeof data !== 'object') return undefined;
  const v = (data as { schemaVersion?: unknown }).schemaVersion;
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}

function issuePath(issue: z.core.$ZodIssue | undefined): string {
  return formatPath((issue?.path ?? []).map((p) => (typeof p === 'symbol' ? String(p) : p)));
}

function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  return `${issuePath(issue)}: ${issue?.message ?? 'invalid'}`;
}
