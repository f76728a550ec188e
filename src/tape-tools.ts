import type { z } from 'zod';
import { jsonSchemaSignature, tapeCall, toolSignature } from './tool.js';

/** Options of {@link tapeTools}. */
export interface TapeToolsOptions {
  /** Put before every member's name to make its toolId (`'weather.'` tapes `get` as `weather.get`). */
  prefix?: string;
  /** Bump it when the tools' behaviour changes: cassettes recorded with another version stop replaying. */
  version?: string;
  /** Maps a call's input to what is hashed and stored (drop volatile fields here); args are `[normalize(input)]`. */
  normalize?: (input: unknown, name: string) => unknown;
}

const TAPED = Symbol.for('tapedeck.tapedTool');

type Execute = (input: unknown, ...callOptions: unknown[]) => unknown;
/** An OpenAI Agents SDK function tool: the runner calls `invoke(runContext, inputJson, details)`. */
interface InvokableTool {
  type: 'function';
  name: string;
  parameters?: unknown;
  invoke: (runContext: unknown, input: string, ...details: unknown[]) => unknown;
}

const isInvokable = (value: object): value is InvokableTool =>
  (value as InvokableTool).type === 'function' && typeof (value as InvokableTool).invoke === 'function' && typeof (value as InvokableTool).name === 'string';

/**
 * Tapes every tool of an agent framework's toolset as `tool(<name>, ...)` and returns a toolset of the
 * same shape: a Vercel AI SDK `{ [name]: tool({ inputSchema, execute }) }` (its `execute` taped), an
 * OpenAI Agents SDK `[tool({ name, parameters, execute })]` (its `invoke` taped, under the tool's name),
 * or any `{ [name]: { execute(input, callOptions) } }`. The args are `[input]` only: per-call options
 * (`toolCallId`, `messages`, an `AbortSignal`, the run context) never enter the key. The tool's input
 * schema (zod 4 or JSON Schema) and `version` are its signature. Members with nothing to run here (a
 * provider-executed tool without `execute`) are kept as they are.
 */
export function tapeTools<T extends object>(toolset: T, options: TapeToolsOptions = {}): T {
  if (typeof toolset !== 'object' || toolset === null) throw new TypeError(`tapedeck: tapeTools(toolset): toolset must be an object or an array of tools, got ${toolset === null ? 'null' : typeof toolset}.`);
  if (Array.isArray(toolset)) {
    return toolset.map((member: unknown, index) => {
      if (typeof member !== 'object' || member === null || typeof (member as { name?: unknown }).name !== 'string') {
        throw new TypeError(`tapedeck: tapeTools(toolset): toolset[${index}] is not a named tool (an OpenAI Agents SDK tool has a \`name\`).`);
      }
      return tapeMember((member as { name: string }).name, member, options);
    }) as T;
  }
  const out = Object.create(Object.getPrototypeOf(toolset) as object | null) as Record<string, unknown>;
  for (const [name, member] of Object.entries(toolset)) out[name] = tapeMember(name, member, options);
  return out as T;
}

function tapeMember(name: string, member: unknown, options: TapeToolsOptions): unknown {
  if (typeof member !== 'object' || member === null) {
    throw new TypeError(`tapedeck: tapeTools(toolset): member ${JSON.stringify(name)} is not a tool (an object with \`execute\`), got ${member === null ? 'null' : typeof member}.`);
  }
  const toolId = `${options.prefix ?? ''}${name}`;
  const key = (input: unknown) => () => [options.normalize ? options.normalize(input, name) : input];
  if (isInvokable(member)) {
    if ((member.invoke as { [TAPED]?: true })[TAPED]) return member;
    const signature = signatureOf(name, member.parameters, options.version);
    const invoke = member.invoke;
    const taped = (runContext: unknown, input: string, ...details: unknown[]) =>
      tapeCall(toolId, key(parseInput(input)), signature, () => invoke.call(member, runContext, input, ...details));
    return withMember(member, 'invoke', taped);
  }
  const execute = (member as { execute?: unknown }).execute;
  if (execute === undefined) return member; // executed by the provider or the client, not here
  if (typeof execute !== 'function') throw new TypeError(`tapedeck: tapeTools(toolset): ${JSON.stringify(name)}.execute is not a function.`);
  if ((execute as { [TAPED]?: true })[TAPED]) return member;
  const signature = signatureOf(name, (member as { inputSchema?: unknown; parameters?: unknown }).inputSchema ?? (member as { parameters?: unknown }).parameters, options.version);
  const taped = (input: unknown, ...callOptions: unknown[]) =>
    tapeCall(toolId, key(input), signature, async () => {
      const output = await (execute as Execute).call(member, input, ...callOptions);
      if (isAsyncIterable(output)) {
        throw new TypeError(
          `tapedeck: tapeTools: ${toolId} returned an async iterable (streamed preliminary results), which tapedeck cannot tape as one result. ` +
            `Return the final result from execute, or wrap the tool with tool() around a function that does.`,
        );
      }
      return output;
    });
  return withMember(member, 'execute', taped);
}

/** A copy of `tool` (same prototype and properties) with `key` replaced by the taped function. */
function withMember(tool: object, key: string, taped: (...args: never[]) => unknown): object {
  Object.defineProperty(taped, TAPED, { value: true });
  const copy = Object.create(Object.getPrototypeOf(tool) as object | null, Object.getOwnPropertyDescriptors(tool)) as Record<string, unknown>;
  Object.defineProperty(copy, key, { value: taped, writable: true, enumerable: true, configurable: true });
  return copy;
}

/**
 * The signature of a tool from its input schema: a zod 4 schema (through its JSON Schema, as `tool()`
 * signs its `schema`), a JSON Schema (the OpenAI Agents SDK's `parameters`), or the AI SDK's
 * `jsonSchema()` wrapper. Any other kind (zod 3, valibot, ...) is refused: an unsigned tool would replay
 * answers recorded for another schema without a word.
 */
function signatureOf(name: string, schema: unknown, version: string | undefined): string | undefined {
  if (schema === undefined || schema === null) return version === undefined ? undefined : jsonSchemaSignature(null, version);
  if (typeof schema === 'object' && '_zod' in schema) return toolSignature({ schema: schema as z.ZodType, ...(version === undefined ? {} : { version }) });
  const wrapped = (schema as { jsonSchema?: unknown }).jsonSchema;
  if (isPlainJsonSchema(wrapped)) return jsonSchemaSignature(wrapped, version);
  if (isPlainJsonSchema(schema) && !('_def' in schema) && !('~standard' in schema)) return jsonSchemaSignature(schema, version);
  throw new TypeError(
    `tapedeck: tapeTools: the input schema of ${JSON.stringify(name)} is neither a zod 4 schema nor a JSON Schema, so tapedeck cannot sign it ` +
      `(a changed schema would replay old answers). fix: use zod 4 or the AI SDK's jsonSchema(), or tape the tool with tool(name, execute, { version }).`,
  );
}

const isPlainJsonSchema = (value: unknown): value is object =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as { then?: unknown }).then !== 'function';

const isAsyncIterable = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';

/** The Agents SDK hands a tool its input as JSON text; the key holds the parsed value, so it hashes canonically. */
function parseInput(input: unknown): unknown {
  if (typeof input !== 'string') return input;
  try {
    return JSON.parse(input) as unknown;
  } catch {
    return input; // not JSON: the text itself is the input
  }
}
