import type { z } from 'zod';
import { ReplayError } from './errors.js';
import { MAX_JSON_DEPTH, isJsonObject, nestsDeeperThan } from './hash.js';
import { formatPath } from './json-path.js';
import { zod } from './lazy-deps.js';

/** The cassette format this version writes. */
export const SCHEMA_VERSION = 1;

// A recorded HTTP response (DESIGN section 3), as replay needs it to build a Response: a damaged one is
// refused on load, naming its path, instead of replaying as a network error that says nothing. Checked by
// plain code inside the entry's refinement: it runs for every HTTP entry of every cassette loaded, and as a
// zod schema (objects, a record of header unions, a union of body shapes) it was 3/4 of the load time.
/* eslint-disable no-control-regex */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[^\u0000\r\n\u0100-\uffff]*$/;
const REASON_PHRASE = /^[\t\u0020-\u007e\u0080-\u00ff]*$/;
/* eslint-enable no-control-regex */
const BODY_KINDS = ['json', 'text', 'base64', 'sse'] as const;

interface Problem {
  path: Array<string | number>;
  message: string;
}

const SSE_FIELD_RULES = {
  data: 'must be a string',
  event: 'must be a string',
  id: 'must be a string',
  retry: 'must be a whole number of ms',
  delayMs: 'must be a number of ms, 0 or more',
} as const;

/** The first field of a recorded SSE event that breaks its rule in {@link SSE_FIELD_RULES}. */
function sseEventProblem(event: Record<string, unknown>): keyof typeof SSE_FIELD_RULES | undefined {
  const { data, event: name, id, retry, delayMs } = event;
  if (typeof data !== 'string') return 'data';
  if (name !== undefined && typeof name !== 'string') return 'event';
  if (id !== undefined && typeof id !== 'string') return 'id';
  if (retry !== undefined && !(typeof retry === 'number' && Number.isInteger(retry) && retry >= 0)) return 'retry';
  if (delayMs !== undefined && !(typeof delayMs === 'number' && delayMs >= 0)) return 'delayMs';
  return undefined;
}

/** The first problem of a recorded HTTP response, if any. */
function httpResponseProblem(value: unknown): Problem | undefined {
  if (!isJsonObject(value)) return { path: [], message: 'must be an HTTP response object' };
  const { status, statusText, headers, body } = value;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599) return { path: ['status'], message: 'must be an integer from 200 to 599' };
  if (typeof statusText !== 'string' || !REASON_PHRASE.test(statusText)) return { path: ['statusText'], message: 'must be an HTTP reason phrase' };
  if (!isJsonObject(headers)) return { path: ['headers'], message: 'must be an object of header names to values' };
  for (const [name, v] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name)) return { path: ['headers', name], message: 'must be an HTTP header name' };
    const values = Array.isArray(v) ? v : [v];
    for (let i = 0; i < values.length; i++) {
      const one: unknown = values[i];
      if (typeof one !== 'string' || !HEADER_VALUE.test(one)) {
        return { path: Array.isArray(v) ? ['headers', name, i] : ['headers', name], message: 'must be a header value (no line breaks, Latin-1 only)' };
      }
    }
  }
  if (!isJsonObject(body)) return { path: ['body'], message: `must be an object with one of ${BODY_KINDS.join(', ')}` };
  const kinds = BODY_KINDS.filter((kind) => kind in body);
  const kind = kinds.length === 1 ? kinds[0]! : undefined;
  if (kind === undefined) return { path: ['body'], message: `must have exactly one of ${BODY_KINDS.join(', ')}` };
  const content = body[kind];
  if (kind === 'json') return undefined;
  if (kind !== 'sse') return typeof content === 'string' ? undefined : { path: ['body', kind], message: 'must be a string' };
  if (!Array.isArray(content)) return { path: ['body', 'sse'], message: 'must be an array of events' };
  for (let i = 0; i < content.length; i++) {
    const event: unknown = content[i];
    if (!isJsonObject(event)) return { path: ['body', 'sse', i], message: 'must be an event object' };
    const field = sseEventProblem(event);
    if (field !== undefined) return { path: ['body', 'sse', i, field], message: SSE_FIELD_RULES[field] };
  }
  return undefined;
}

const HASH = /^[0-9a-f]{64}$/;
const isOptionalString = (v: unknown): boolean => v === undefined || typeof v === 'string';
const isStringRecord = (v: unknown): v is Record<string, unknown> => isJsonObject(v) && Object.values(v).every((x) => typeof x === 'string');

function acceptedResult(result: unknown): EntryResult | undefined {
  if (!isJsonObject(result)) return undefined;
  if (result.ok === true) return { ...result } as EntryResult;
  if (result.ok !== false) return undefined;
  const error = result.error;
  if (!isJsonObject(error) || typeof error.name !== 'string' || typeof error.message !== 'string') return undefined;
  return { ...result, error: { ...error } } as EntryResult;
}

function acceptedMeta(meta: unknown): CassetteMeta | undefined {
  if (!isJsonObject(meta) || !isOptionalString(meta.tapedeck) || !isOptionalString(meta.recordedAt)) return undefined;
  const out: Record<string, unknown> = { ...meta };
  const environment = meta.environment;
  if (environment !== undefined) {
    if (!isJsonObject(environment) || !isOptionalString(environment.node) || !isOptionalString(environment.platform) || !isOptionalString(environment.tapedeck)) return undefined;
    const env: Record<string, unknown> = { ...environment };
    if (environment.packages !== undefined) {
      if (!isStringRecord(environment.packages)) return undefined;
      env.packages = { ...environment.packages };
    }
    const git = environment.git;
    if (git !== undefined) {
      if (!isJsonObject(git) || typeof git.commit !== 'string' || typeof git.dirty !== 'boolean') return undefined;
      env.git = { ...git };
    }
    out.environment = env;
  }
  const tools = meta.tools;
  if (tools !== undefined) {
    if (!isJsonObject(tools)) return undefined;
    const copy: Record<string, unknown> = {};
    for (const [name, t] of Object.entries(tools)) {
      if (!isJsonObject(t) || typeof t.signature !== 'string') return undefined;
      copy[name] = { ...t };
    }
    out.tools = copy;
  }
  return out as CassetteMeta;
}

/**
 * The file, copied as zod's parse would copy it, when it is a valid cassette; `undefined` when it is not
 * (then zod words the problem). Plain code, so a replaying test never loads zod: it must accept exactly
 * what the zod schemas accept (test/format-accept.test.ts holds it to that, mutation by mutation).
 */
export function acceptedCassetteFile(data: unknown): CassetteFile | undefined {
  if (!isJsonObject(data)) return undefined;
  const { schemaVersion, meta, entries } = data;
  if (typeof schemaVersion !== 'number' || !Number.isSafeInteger(schemaVersion) || schemaVersion < 1 || !Array.isArray(entries)) return undefined;
  const out: Record<string, unknown> = { ...data };
  if (meta !== undefined) {
    const accepted = acceptedMeta(meta);
    if (accepted === undefined) return undefined;
    out.meta = accepted;
  }
  const copies = new Array<Entry>(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const entry: unknown = entries[i];
    if (!isJsonObject(entry)) return undefined;
    const { toolId, argsHash } = entry;
    if (typeof toolId !== 'string' || toolId.length === 0 || typeof argsHash !== 'string' || !HASH.test(argsHash) || !('args' in entry)) return undefined;
    const result = acceptedResult(entry.result);
    if (result === undefined) return undefined;
    if (result.ok && toolId.startsWith('http:') && httpResponseProblem(result.value) !== undefined) return undefined;
    copies[i] = { ...entry, result } as Entry;
  }
  out.entries = copies;
  return out as CassetteFile;
}

/**
 * The zod schemas of the file, built on first use: zod is loaded only to word a corrupt cassette's error
 * (a valid one is accepted by {@link acceptedCassetteFile}, without zod; see lazy-deps.ts).
 */
function buildSchemas() {
  const z = zod();
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

  const entrySchema = z
    .looseObject({
      toolId: z.string().min(1),
      argsHash: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters (a SHA-256)'),
      args: z.unknown(),
      result: resultSchema,
    })
    .superRefine((entry, ctx) => {
      if (!entry.toolId.startsWith('http:') || !entry.result.ok) return;
      const problem = httpResponseProblem(entry.result.value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem.message, path: ['result', 'value', ...problem.path] });
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
    // A version is a safe integer: `1e300` is damage, not a version from the future.
    schemaVersion: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER, 'must be a version number (a safe integer)'),
    meta: metaSchema.optional(),
    entries: z.array(entrySchema),
  });

  return { recordedErrorSchema, resultSchema, entrySchema, environmentSchema, metaSchema, fileSchema };
}

type Schemas = ReturnType<typeof buildSchemas>;
let schemas: Schemas | undefined;
/** The zod schema of a cassette file (internal: the reference {@link acceptedCassetteFile} is tested against). */
export const fileSchema = (): Schemas['fileSchema'] => (schemas ??= buildSchemas()).fileSchema;

/** A recorded error: what replay throws again. */
export type RecordedError = z.infer<Schemas['recordedErrorSchema']>;
/** The outcome of a recorded call: a value, or an error. */
export type EntryResult = z.infer<Schemas['resultSchema']>;
/** One recorded call (DESIGN section 6). */
export type Entry = z.infer<Schemas['entrySchema']>;
/** Where and with what a cassette was recorded. */
export type CassetteMeta = z.infer<Schemas['metaSchema']>;
/** Versions of the runtime and client packages a cassette was recorded with. */
export type RecordedEnvironment = z.infer<Schemas['environmentSchema']>;
/** The whole cassette file, as written to disk. */
export type CassetteFile = z.infer<Schemas['fileSchema']>;

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
  if (nestsDeeperThan(data)) {
    const at = formatPath(deepPart(data));
    throw new ReplayError(
      'corrupt-cassette',
      `tapedeck: ${source} is not a valid cassette.\n  at ${at}: nested deeper than ${MAX_JSON_DEPTH} levels, more than tapedeck (or the JavaScript engine) can walk\n` +
        `  fix: restore the file from version control, or delete it and re-record (RECORD=1).`,
      { cassettePath: source, jsonPath: at },
    );
  }
  const version = readVersion(data);
  const accepted = acceptedCassetteFile(data);
  const parsed = accepted === undefined ? fileSchema().safeParse(data) : { success: true as const, data: accepted };
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

/** Where too-deep data sits, to the precision a message needs: `entries[i].args` or `.result`, else the top-level member. */
function deepPart(data: unknown): Array<string | number> {
  if (!isJsonObject(data)) return [];
  for (const [key, value] of Object.entries(data)) {
    if (!nestsDeeperThan(value, MAX_JSON_DEPTH - 1)) continue;
    if (key !== 'entries' || !Array.isArray(value)) return [key];
    for (let i = 0; i < value.length; i++) {
      const entry: unknown = value[i];
      if (!nestsDeeperThan(entry, MAX_JSON_DEPTH - 2)) continue;
      if (!isJsonObject(entry)) return ['entries', i];
      for (const field of ['args', 'result']) if (nestsDeeperThan(entry[field], MAX_JSON_DEPTH - 3)) return ['entries', i, field];
      return ['entries', i];
    }
    return [key];
  }
  return [];
}

function readVersion(data: unknown): number | undefined {
  if (data === null || typeof data !== 'object') return undefined;
  const v = (data as { schemaVersion?: unknown }).schemaVersion;
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined;
}

function issuePath(issue: z.core.$ZodIssue | undefined): string {
  return formatPath((issue?.path ?? []).map((p) => (typeof p === 'symbol' ? String(p) : p)));
}

function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  return `${issuePath(issue)}: ${issue?.message ?? 'invalid'}`;
}
