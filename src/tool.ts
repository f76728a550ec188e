import { canonicalize } from 'json-canonicalize';
import type { z } from 'zod';
import type { Scrub } from './config.js';
import { currentSession } from './context.js';
import { ReplayError } from './errors.js';
import { sha256 } from './hash.js';
import { formatPath } from './json-path.js';
import { redactMembers } from './secrets/index.js';
import { zod } from './lazy-deps.js';

/** Options of {@link tool}. */
export interface ToolOptions<A extends unknown[]> {
  /** Maps the argument list to what is hashed and stored (drop volatile fields here). */
  normalize?: (args: A) => unknown;
  /**
   * A zod schema validated on every call: against the first argument, or against the whole argument
   * list when it is a `z.tuple`. Its JSON Schema is part of the tool's signature.
   */
  schema?: z.ZodType;
  /** Bump it when the tool's behaviour changes: cassettes recorded with another version stop replaying. */
  version?: string;
  /**
   * Rewrites the tool's output before it is stored (replay returns the rewritten value; the live call
   * still returns the original). Runs before the `scrub` of `configure()` / `withCassette()`.
   */
  scrub?: Scrub;
}

/** A function wrapped by {@link tool}: same arguments, always async, taped inside a cassette. */
export type TapedTool<A extends unknown[], R> = ((...args: A) => Promise<Awaited<R>>) & {
  readonly toolId: string;
  /** sha256 of the schema's JSON Schema and the version; `undefined` when neither is given. */
  readonly signature: string | undefined;
};

/** The signature of a tool: sha256 of the canonical JSON of its args' JSON Schema and its version. */
export function toolSignature(options: { schema?: z.ZodType; version?: string }): string | undefined {
  if (options.schema === undefined && options.version === undefined) return undefined;
  return jsonSchemaSignature(options.schema === undefined ? null : jsonSchemaOf(options.schema), options.version);
}

/** The signature of a tool whose args are described by a JSON Schema (`null`: none) and a version. */
export function jsonSchemaSignature(jsonSchema: unknown, version: string | undefined): string {
  return sha256(canonicalize({ schema: jsonSchema, version: version ?? null }));
}

/**
 * Wraps an agent's tool so that, inside an active cassette, its calls are recorded and replayed under
 * `toolId` (args = the argument list as an array). Outside any cassette it just calls `fn`.
 */
export function tool<A extends unknown[], R>(toolId: string, fn: (...args: A) => R, options: ToolOptions<A> = {}): TapedTool<A, R> {
  if (typeof toolId !== 'string' || toolId === '') throw new TypeError('tapedeck: tool(toolId, fn): toolId must be a non-empty string');
  if (typeof fn !== 'function') throw new TypeError(`tapedeck: tool(${JSON.stringify(toolId)}, fn): fn must be a function`);
  const signature = toolSignature(options);
  const validate = options.schema === undefined ? undefined : makeValidator(toolId, options.schema);

  const taped = async (...args: A): Promise<Awaited<R>> => {
    validate?.(args);
    return tapeCall(toolId, () => (options.normalize ? options.normalize(args) : args), signature, () => fn(...args), options.scrub);
  };
  Object.defineProperty(taped, 'name', { value: fn.name || toolId });
  return Object.assign(taped, { toolId, signature }) as TapedTool<A, R>;
}

/**
 * One call of a taped function: inside a cassette, handed to its session under `toolId` with the args
 * `key()` gives; outside any, just `live()`. Shared by `tool()` and `tapeTools()`. `scrub` (the tool's
 * own) runs on the output before the cassette's `scrub`.
 */
export async function tapeCall<R>(toolId: string, key: () => unknown, signature: string | undefined, live: () => R, scrub?: Scrub): Promise<Awaited<R>> {
  const session = currentSession();
  if (session === undefined) return await live();
  const redact = session.options.redact;
  const scrubs = [scrub, session.options.scrub].filter((f) => f !== undefined);
  return session.call<Awaited<R>>({
    toolId,
    // Credential-named members (`api_key`, `password`, ...) are redacted before hashing: a recording
    // replays with any key, and none reaches the cassette.
    args: redactMembers(key(), redact),
    ...(signature === undefined ? {} : { signature }),
    live: () => Promise.resolve(live()) as Promise<Awaited<R>>,
    encode: (value) => redactMembers(scrubs.reduce<unknown>((v, f) => f(v, { toolId }), value), redact),
  });
}

/**
 * The JSON Schema of a zod schema, through the schema's own `toJSONSchema` (the zod that built it, so its
 * registry's descriptions are seen); a schema without the method (zod/mini) goes through tapedeck's zod.
 */
function jsonSchemaOf(schema: z.ZodType): unknown {
  const params = { unrepresentable: 'any' } as const;
  return typeof (schema as Partial<z.ZodType>).toJSONSchema === 'function' ? schema.toJSONSchema(params) : zod().toJSONSchema(schema, params);
}

function makeValidator(toolId: string, schema: z.ZodType): (args: unknown[]) => void {
  // The def's type, not `instanceof`: the schema may come from another copy of zod than tapedeck's.
  const wholeList = schema._zod.def.type === 'tuple';
  return (args) => {
    const result = schema.safeParse(wholeList ? args : args[0]);
    if (result.success) return;
    const issue = result.error.issues[0];
    const path = (wholeList ? [] : [0]).concat((issue?.path ?? []).map((p) => (typeof p === 'symbol' ? String(p) : p)) as never[]);
    const at = formatPath(path as Array<string | number>, 'args');
    throw new ReplayError('invalid-args', `tapedeck: ${toolId} was called with invalid args: ${at}: ${issue?.message ?? 'invalid'}`, {
      toolId,
      jsonPath: at,
    });
  }
}
