import type { RedactOption } from './secrets/index.js';

/**
 * Rewrites what is stored for a call before it is written: a tool's output, or an HTTP response
 * (`{ status, statusText, headers, body }`). `toolId` says which call (`http:GET https://…/session`).
 */
export type Scrub = (value: unknown, context: { toolId: string }) => unknown;

/** A matcher for hosts that go live and are never recorded: a host name, `host:port`, or a RegExp. */
export type HostMatcher = string | RegExp;

/** The part of msw's `SetupServerApi` tapedeck uses when attaching to a user's own server. */
export interface MswServerLike {
  use(...handlers: unknown[]): void;
  listHandlers(): readonly unknown[];
  resetHandlers(...handlers: unknown[]): void;
}

/** Options shared by `configure()` (process-wide) and `withCassette()` (per test, overriding). */
export interface TapedeckOptions {
  /** Folder for cassettes, relative to the test file's folder (or absolute). Default `__cassettes__`. */
  cassetteDir?: string;
  /**
   * Extra names to redact (headers, query parameters, form fields, JSON members, tool args and outputs),
   * or a predicate. Credential names are always redacted (README "Secrets").
   */
  redact?: RedactOption;
  /**
   * Rewrites what is stored for a call before it is written: a tool's output, or an HTTP response
   * (`{ status, statusText, headers, body }`). Replay gives back the rewritten value. For secrets that
   * neither a name nor a shape gives away; `secret-detected` points here.
   */
  scrub?: Scrub;
  /** Request headers that are part of an HTTP call's key (none by default). */
  matchHeaders?: readonly string[];
  /** JSON paths removed from every call's args before hashing, e.g. `body.metadata.requestId`. */
  ignore?: readonly string[];
  /** Hosts whose requests go live and are never recorded. */
  passthrough?: readonly HostMatcher[];
  /** Fail a test that leaves recorded entries unused (`unused-entries`). Default false: a warning. */
  strict?: boolean;
  /**
   * Your own msw server: tapedeck's catch-all handler is appended after yours, so taped requests are
   * answered inside it and msw never reports them as unhandled.
   */
  mswServer?: MswServerLike;
  /** Replay SSE events with their recorded delays. Default false: as fast as possible. */
  replayDelays?: boolean;
  /** `verify` mode: relative tolerance for numbers. Default 1e-9. */
  tolerance?: number;
  /** `verify` mode: JSON paths (inside a call's output) that may differ, e.g. `body.json.created`. */
  verifyIgnore?: readonly string[];
  /** Intercept HTTP (fetch, node:http) through msw's interceptors. Default true when msw is installed. */
  http?: boolean;
  /** Where warnings go (unused entries, environment drift). Default `console.warn`. */
  onWarning?: (message: string) => void;
}

let defaults: TapedeckOptions = {};

/** Sets process-wide defaults; per-test options override them. Returns the previous defaults. */
export function configure(options: TapedeckOptions): TapedeckOptions {
  const previous = defaults;
  defaults = { ...defaults, ...options };
  return previous;
}

/** Resets `configure()` to nothing (tests use it to isolate themselves). */
export function resetConfiguration(): void {
  defaults = {};
}

/** The process-wide defaults merged with per-call options (later wins, `undefined` does not override). */
export function effectiveOptions<T extends TapedeckOptions>(options: T): TapedeckOptions & T {
  const merged: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(options)) if (value !== undefined) merged[key] = value;
  return merged as TapedeckOptions & T;
}
