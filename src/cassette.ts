import { diffJson, formatDifference, preview } from './diff.js';
import { ReplayError, isReplayError, type NearestCall } from './errors.js';
import { SCHEMA_VERSION, parseCassetteFile, type CassetteFile, type CassetteMeta, type Entry, type EntryResult } from './format.js';
import { hashJson, sameJson, setMember, sha256, toJsonValue, type JsonValue } from './hash.js';
import { omitPaths } from './json-path.js';
import { assertNoSecrets } from './secrets/index.js';
import { fileStore, stableStringify } from './store.js';
import { meaningOf } from './volatile.js';

/** Identifies a call: which tool, with which arguments. */
export interface CallKey {
  toolId: string;
  args: unknown;
}

/** A call whose args are normalised to JSON and hashed once; cassette methods accept it as a `CallKey`. */
export interface ResolvedCall {
  readonly toolId: string;
  readonly args: JsonValue;
  readonly argsHash: string;
}

const resolvedCalls = new WeakSet<object>();

/**
 * Normalises and hashes a call's args once (throws `args-not-json` with the JSON path), leaving out the
 * `ignore` JSON paths; pass the result to several cassette methods to avoid hashing the same args again.
 * `plain`: the args are JSON values tapedeck itself built and nobody else holds (an HTTP request's key),
 * so they are used as they are, not normalised into a copy.
 */
export function resolveCall(call: CallKey, ignore: readonly string[] = [], plain = false): ResolvedCall {
  if (resolvedCalls.has(call)) return call as ResolvedCall;
  if (typeof call.toolId !== 'string' || call.toolId === '') {
    throw new ReplayError('invalid-args', `tapedeck: toolId must be a non-empty string, got ${preview(call.toolId)}.`);
  }
  const normalized = plain ? (call.args as JsonValue) : toJsonValue(call.args, 'args');
  const args = ignore.length === 0 ? normalized : omitPaths(normalized, ignore);
  const resolved = Object.freeze({ toolId: call.toolId, args, argsHash: hashJson(args) });
  resolvedCalls.add(resolved);
  return resolved;
}

/** Context a miss message needs beyond the cassette itself. */
export interface MissContext {
  /** The command that records the missing call, e.g. `RECORD=1 npx vitest run a.test.ts -t "name"`. */
  fix?: string;
  /** Why the call was not recorded live (e.g. `mode replay: CI is set`). */
  why?: string;
}

const keyOf = (toolId: string, hash: string): string => `${toolId}\u0000${hash}`;

/**
 * An in-memory cassette: recorded calls keyed by `(toolId, argsHash)`, replayed in recorded order.
 * Lookups are O(1); everything stored or handed out is a deep copy.
 */
export class ToolCallCassette {
  /** Where the cassette was loaded from, used in error messages. */
  source?: string;
  /** What the user should hear about this cassette (e.g. a newer schema version). */
  readonly warnings: string[] = [];
  #meta: CassetteMeta = {};
  #extra: Record<string, unknown> = {};
  #entries: Entry[] = [];
  #index = new Map<string, number[]>();
  #cursor = new Map<string, number>();
  #used: boolean[] = [];
  /** Loaded entries whose args hash is not checked yet (1), when loaded with `verify: 'on-use'`. */
  #unverified: Uint8Array | undefined;

  constructor(source?: string) {
    if (source !== undefined) this.source = source;
  }

  /** Records a call that returned `output` (a JSON round-trip of it is kept). */
  record({ toolId, args, output }: CallKey & { output: unknown }): Entry {
    const value = toJsonValue(output, 'output', { lenient: true });
    return this.#append(resolveCall({ toolId, args }), value === undefined ? { ok: true } : { ok: true, value });
  }

  /** Records a call that threw `error`; replay throws an error with the same name and message. */
  recordError({ toolId, args, error }: CallKey & { error: unknown }): Entry {
    return this.#append(resolveCall({ toolId, args }), { ok: false, error: serializeError(error) });
  }

  /** Records an already-built result; used by the lifecycle, which has resolved the call. */
  recordResult(call: CallKey, result: EntryResult): Entry {
    return this.#append(resolveCall(call), structuredClone(result));
  }

  #append(call: ResolvedCall, result: EntryResult): Entry {
    const position = this.#reserveSlot(call, false);
    this.#entries[position]!.result = result;
    return structuredClone(this.#entries[position]!);
  }

  /**
   * Reserves the next position for a call whose result is not known yet, and returns the function that
   * fills it in. Concurrent calls inside one test are thereby stored in the order they were made, not
   * the order they finished, so re-recording the same run gives the same file. Unfilled slots are left
   * out of `toJSON`. The slot counts as used by the current run: the call that recorded it consumed it,
   * so the next identical call is the next occurrence, not a replay of this one.
   */
  reserve(call: CallKey): (result: EntryResult) => void {
    const position = this.#reserveSlot(resolveCall(call), true);
    return (result) => {
      this.#entries[position]!.result = structuredClone(result);
    };
  }

  #reserveSlot(call: ResolvedCall, consumed: boolean): number {
    const entry = { toolId: call.toolId, argsHash: call.argsHash, args: structuredClone(call.args) } as Entry;
    const position = this.#entries.push(entry) - 1;
    this.#used[position] = consumed;
    const key = keyOf(call.toolId, call.argsHash);
    const list = this.#index.get(key);
    if (list) list.push(position);
    else this.#index.set(key, [position]);
    if (consumed) this.#cursor.set(key, list?.length ?? 1);
    return position;
  }

  /** True when the next `replay` of this call would find a recording. */
  has(call: CallKey): boolean {
    const { toolId, argsHash } = resolveCall(call);
    const key = keyOf(toolId, argsHash);
    return (this.#cursor.get(key) ?? 0) < (this.#index.get(key)?.length ?? 0);
  }

  /**
   * Takes the next recording of this call and returns its result (a deep copy), or `undefined` when
   * there is none left. The building block of `replay`; the lifecycle uses it to build its own miss.
   * `copy: false` returns the stored result itself, for a caller that only reads it.
   */
  take(call: CallKey, { copy = true }: { copy?: boolean } = {}): { result: EntryResult; index: number } | undefined {
    const { toolId, args, argsHash } = resolveCall(call);
    const key = keyOf(toolId, argsHash);
    const list = this.#index.get(key);
    const next = this.#cursor.get(key) ?? 0;
    if (list === undefined || next >= list.length) return undefined;
    this.#cursor.set(key, next + 1);
    const index = list[next]!;
    this.#verifyEntry(index, args);
    this.#used[index] = true;
    const result = this.#entries[index]!.result;
    return { result: copy ? structuredClone(result) : result, index };
  }

  /** Replays a recorded call: a deep copy of its output, or its recorded error thrown again. */
  replay(call: CallKey): unknown {
    const resolved = resolveCall(call);
    const taken = this.take(resolved);
    if (taken === undefined) throw this.missError(resolved);
    return unwrapResult(taken.result);
  }

  /** The `cassette-miss` error for a call: what was called, the nearest recordings and how they differ. */
  missError(call: CallKey, context: MissContext = {}): ReplayError {
    // An entry edited by hand no longer matches its call: that, not the miss, is what to report.
    try {
      this.#verifyAll();
    } catch (error) {
      if (isReplayError(error)) return error;
      throw error;
    }
    const { toolId, args, argsHash } = resolveCall(call);
    const key = keyOf(toolId, argsHash);
    const exhausted = (this.#index.get(key)?.length ?? 0) > 0;
    const nearest = exhausted ? [] : this.#nearest(toolId, args);
    const where = this.source ?? '(in-memory cassette)';
    const lines = [
      exhausted
        ? `tapedeck: cassette-miss: ${toolId} was called more times than it was recorded (${this.#index.get(key)!.length}).`
        : `tapedeck: cassette-miss: no recording of this call.`,
      `  cassette: ${where}`,
      `  tool:     ${toolId}`,
      `  argsHash: ${argsHash}`,
      `  args:     ${preview(args, 200)}`,
    ];
    if (!exhausted) {
      const sameTool = this.#entries.filter((e) => e.toolId === toolId).length;
      if (nearest.length === 0) {
        lines.push(sameTool === 0 ? `  The cassette has no recording of ${toolId} at all.` : '');
      } else {
        lines.push(`  nearest recorded calls of ${toolId} (recorded -> called):`);
        for (const n of nearest) {
          lines.push(`    entries[${n.index}] ${n.argsHash.slice(0, 12)}…`);
          for (const d of n.differences) lines.push(`      ${d}`);
        }
      }
    }
    if (context.why) lines.push(`  ${context.why}`);
    lines.push(
      `  fix: ${context.fix ?? 'RECORD=1 <your test command>'}` +
        `   (or RECORD=new to record only the missing calls)`,
    );
    return new ReplayError('cassette-miss', lines.filter((l) => l !== '').join('\n'), {
      toolId,
      argsHash,
      cassettePath: where,
      nearest,
      exhausted,
      ...(context.fix === undefined ? {} : { fix: context.fix }),
    });
  }

  #nearest(toolId: string, args: JsonValue, count = 3): NearestCall[] {
    const seen = new Set<string>();
    const candidates: Array<NearestCall & { score: number }> = [];
    this.#entries.forEach((entry, index) => {
      if (entry.toolId !== toolId || seen.has(entry.argsHash)) return;
      seen.add(entry.argsHash);
      const diffs = diffJson(entry.args, args, { root: 'args', limit: 50 });
      candidates.push({
        argsHash: entry.argsHash,
        index,
        score: diffs.length,
        differences: diffs.slice(0, 6).map((d) => formatDifference(d)).concat(diffs.length > 6 ? [`… ${diffs.length - 6} more`] : []),
      });
    });
    return candidates
      .sort((a, b) => a.score - b.score || a.index - b.index)
      .slice(0, count)
      .map(({ score: _score, ...n }) => n);
  }

  /** A deep copy of every entry, in recorded order. */
  get entries(): Entry[] {
    return structuredClone(this.#entries.filter((e) => e.result !== undefined));
  }

  /**
   * Re-recording keeps what did not change: each recorded call whose result means the same as the
   * previous recording of that call (same tool, args and occurrence; see `meaningOf`: volatile response
   * headers and SSE timings aside) takes back the previous recording's exact result, so an unchanged
   * run rewrites nothing and a changed one diffs only where the answers changed. Previous bytes are
   * preferred to dropping such headers: a test can still read (and assert on) a request id or a
   * rate-limit header, and the file does not churn.
   */
  keepUnchanged(previous: ToolCallCassette): void {
    const seen = new Map<string, number>();
    for (const entry of this.#entries) {
      if (entry.result === undefined) continue;
      const key = keyOf(entry.toolId, entry.argsHash);
      const occurrence = seen.get(key) ?? 0;
      seen.set(key, occurrence + 1);
      const before = previous.#entries[previous.#index.get(key)?.[occurrence] ?? -1];
      if (before?.result === undefined || before.result === entry.result) continue;
      if (meaningOf(entry.toolId, before.result) === meaningOf(entry.toolId, entry.result)) entry.result = structuredClone(before.result);
    }
  }

  /** Number of entries, without copying them. */
  get size(): number {
    return this.#entries.length;
  }

  /** Entries loaded from the file that were never replayed (stale recordings). */
  unused(): Array<Entry & { index: number }> {
    const out: Array<Entry & { index: number }> = [];
    this.#entries.forEach((entry, index) => {
      if (this.#used[index] !== true) out.push({ ...structuredClone(entry), index });
    });
    return out;
  }

  /** The recorded signature of a tool (see `tool()`), if any. */
  signatureOf(toolId: string): string | undefined {
    const tools = this.#meta.tools;
    // Own members only: a tool named `constructor` or `__proto__` must not read Object.prototype.
    return tools !== undefined && Object.prototype.hasOwnProperty.call(tools, toolId) ? tools[toolId]?.signature : undefined;
  }

  /** True when the cassette holds at least one entry for `toolId`. */
  hasTool(toolId: string): boolean {
    return this.#entries.some((e) => e.toolId === toolId);
  }

  /** Sets (or, with `undefined`, clears) the signature recorded for a tool. */
  setSignature(toolId: string, signature: string | undefined): void {
    const tools = { ...this.#meta.tools };
    if (signature === undefined) delete tools[toolId];
    else setMember(tools, toolId, { ...(Object.prototype.hasOwnProperty.call(tools, toolId) ? tools[toolId] : {}), signature });
    this.#meta = { ...this.#meta, tools };
    if (Object.keys(tools).length === 0) delete this.#meta.tools;
  }

  /** A copy of the cassette's metadata. */
  get meta(): CassetteMeta {
    return structuredClone(this.#meta);
  }

  /** `meta.environment` as recorded, not copied (every replaying test compares it: see session.ts). */
  get recordedEnvironment(): Readonly<CassetteMeta['environment']> {
    return this.#meta.environment;
  }

  /** Replaces metadata fields (unknown fields already present are kept). */
  updateMeta(patch: Partial<CassetteMeta>): void {
    this.#meta = { ...this.#meta, ...structuredClone(patch) };
  }

  /** The cassette as its file content (DESIGN section 6). Fields unknown to this version are kept. */
  toJSON(): CassetteFile {
    return structuredClone(this.#file());
  }

  /** The file content as a view of the live data: only for readers that copy or only read (serialize). */
  #file(): CassetteFile {
    this.#verifyAll();
    const entries = this.#entries.filter((e) => e.result !== undefined);
    return { ...this.#extra, schemaVersion: SCHEMA_VERSION, meta: this.#meta, entries };
  }

  /** An empty cassette that keeps this one's metadata and unknown fields (for a full re-recording). */
  emptyCopy(): ToolCallCassette {
    const copy = new ToolCallCassette(this.source);
    copy.#meta = structuredClone(this.#meta);
    delete copy.#meta.tools;
    copy.#extra = structuredClone(this.#extra);
    return copy;
  }

  /**
   * Builds a cassette from file content, validated (`corrupt-cassette` naming `source` and the JSON path)
   * and checked entry by entry (`hash-mismatch` when args no longer hash to their key). With
   * `verify: 'on-use'` (a replaying test's load) an entry's args are hashed on its first use instead: a
   * 10,000-entry file loads in the time of its parse, and an edited entry is still refused, when it is
   * replayed, when a call misses (every entry is checked first: the edit is the likely cause), and before
   * the cassette is written or exported.
   */
  static fromJSON(data: unknown, source?: string, options: { verify?: 'on-load' | 'on-use' } = {}): ToolCallCassette {
    const where = source ?? '<memory>';
    const { file, warnings } = parseCassetteFile(data, where);
    const cassette = new ToolCallCassette(source);
    cassette.warnings.push(...warnings);
    const { schemaVersion: _version, meta, entries, ...extra } = file;
    cassette.#meta = meta ?? {};
    cassette.#extra = extra;
    const lazy = options.verify === 'on-use';
    entries.forEach((entry, i) => {
      if (!lazy) checkArgsHash(entry, i, where);
      const key = keyOf(entry.toolId, entry.argsHash);
      const list = cassette.#index.get(key);
      if (list) list.push(i);
      else cassette.#index.set(key, [i]);
    });
    cassette.#entries = entries;
    cassette.#used = new Array<boolean>(entries.length).fill(false);
    if (lazy && entries.length > 0) cassette.#unverified = new Uint8Array(entries.length).fill(1);
    return cassette;
  }

  /**
   * Checks the args hash of a loaded entry not checked yet (see `fromJSON`'s `verify`). `args`: the
   * args of the call that found the entry by its hash; stored args equal to them as JSON hash to that
   * same hash, so they need no second canonical form and SHA-256 (the check a replayed call pays most).
   */
  #verifyEntry(index: number, args?: JsonValue): void {
    if (this.#unverified?.[index] !== 1) return;
    const entry = this.#entries[index]!;
    if (args === undefined || !sameJson(args, entry.args)) checkArgsHash(entry, index, this.source ?? '<memory>');
    this.#unverified[index] = 0;
  }

  /** Checks every loaded entry not checked yet; throws the first `hash-mismatch` (or `corrupt-cassette`). */
  #verifyAll(): void {
    if (this.#unverified === undefined) return;
    for (let i = 0; i < this.#unverified.length; i++) this.#verifyEntry(i);
    this.#unverified = undefined;
  }

  /** Loads a cassette file; `null` when it does not exist. */
  static async load(path: string): Promise<ToolCallCassette | null> {
    const stored = await fileStore.load(path);
    return stored === null ? null : ToolCallCassette.fromJSON(stored.data, path);
  }

  /**
   * Writes the cassette atomically with stable formatting, after a secret scan (`secret-detected`: nothing
   * is written). `recordedAt` is set when missing.
   */
  async save(path: string): Promise<void> {
    if (this.#meta.recordedAt === undefined) this.#meta = { ...this.#meta, recordedAt: new Date().toISOString() };
    const text = this.serialize(path);
    await fileStore.save(path, text);
  }

  /** The exact bytes `save` writes, after the secret scan. */
  serialize(path = this.source ?? '<memory>'): string {
    // No deep copy: the secret scan only reads, and stableStringify builds its own sorted copy.
    const file = this.#file();
    assertNoSecrets(file, path);
    return stableStringify(file);
  }
}

/** Throws `hash-mismatch` when a stored entry's args no longer hash to its argsHash (`corrupt-cassette` when they cannot be hashed). */
function checkArgsHash(entry: Entry, i: number, where: string): void {
  let actual: string;
  try {
    actual = verifiedHash(entry.args, entry.argsHash);
  } catch (error) {
    throw new ReplayError('corrupt-cassette', `tapedeck: ${where}: entries[${i}].args is not canonical JSON: ${(error as Error).message}`, {
      cassettePath: where,
      jsonPath: `entries[${i}].args`,
    });
  }
  if (actual !== entry.argsHash) {
    throw new ReplayError(
      'hash-mismatch',
      `tapedeck: ${where}: entries[${i}] (${entry.toolId}) has args that no longer hash to its argsHash.\n` +
        `  stored argsHash: ${entry.argsHash}\n  args hash to:    ${actual}\n` +
        `  The args were edited by hand, or the file was merged badly. fix: re-record (RECORD=1), ` +
        `or set entries[${i}].argsHash to the value above if the edit was intended.`,
      { cassettePath: where, jsonPath: `entries[${i}].args`, toolId: entry.toolId, argsHash: entry.argsHash },
    );
  }
}

/**
 * The hash a stored entry's args have, for the check against `stored`. tapedeck writes keys
 * sorted, so the native `JSON.stringify` of parsed args is normally their canonical text already: when it
 * hashes to `stored`, that text is the canonical form the hash was made from (anything else would be a
 * SHA-256 collision), so the args are verified. Otherwise (keys out of order after a hand edit, integer-like
 * keys, a real change) the canonical hash decides, exactly as before.
 */
function verifiedHash(args: unknown, stored: string): string {
  const text = JSON.stringify(args) as string | undefined;
  if (text !== undefined && sha256(text) === stored) return stored;
  return hashJson(args as JsonValue);
}

/** Turns a thrown value into the `{ name, message, data? }` a cassette stores. */
export function serializeError(error: unknown): { name: string; message: string; data?: unknown } {
  if (error instanceof Error) {
    const out: { name: string; message: string; data?: unknown } = { name: error.name, message: error.message };
    const data = (error as { data?: unknown }).data;
    if (data !== undefined) {
      const json = toJsonValue(data, 'error.data', { lenient: true });
      if (json !== undefined) out.data = json;
    }
    return out;
  }
  return { name: 'Error', message: typeof error === 'string' ? error : preview(error, 500) };
}

/** Unwraps a recorded result: its value, or its error thrown again (same name and message). */
export function unwrapResult(result: EntryResult): unknown {
  if (result.ok) return result.value;
  const error = new Error(result.error.message);
  error.name = result.error.name;
  if (result.error.data !== undefined) (error as Error & { data?: unknown }).data = result.error.data;
  throw error;
}
