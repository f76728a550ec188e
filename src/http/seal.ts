import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import workerThreads, { BroadcastChannel, type WorkerOptions } from 'node:worker_threads';
import type { HostMatcher } from '../config.js';
import { currentSession, inLiveCall } from '../context.js';
import type { CassetteSession } from '../session.js';

// The network seal (DESIGN section 10). Interception answers what it sees; the seal makes sure nothing
// it does not see reaches the network from inside a cassette scope: a `fetch` captured before tapedeck
// was imported, a second copy of undici, `undici.request` with its own dispatcher, a missing or
// unsupported interception layer. Every TCP connection in Node, whatever made it (node:http, undici, tls,
// a database driver), goes through `net.Socket.prototype.connect`, so that is where the seal sits: one
// wrapper per process, asking each copy of tapedeck (jest loads one per test file) whether its current
// scope allows the connection. A replayed request opens no socket, so the seal costs it nothing.
//
// Socket level rather than dispatcher level because a dispatcher can be replaced (undici's
// setGlobalDispatcher, an Agent of the client's own, a second undici copy) and node:http has none; a
// socket cannot be avoided short of a native addon.

/** What a connection attempt was aimed at. */
export interface ConnectTarget {
  host: string;
  port: number;
}

/**
 * Decides one use of a client socket (its connection, or a write on it): `undefined` lets it through; an
 * error refuses it (the socket is destroyed with it).
 */
export type ConnectGuard = (target: ConnectTarget, socket: object) => Error | undefined;

/** How a worker thread started in a scope is sealed: its preload, and where it reports refusals. */
export interface WorkerSeal {
  /** A CommonJS file the worker loads first (`--require`). */
  preload: string;
  /** Stops listening for the worker's reports (when it exits). */
  close: () => void;
}

/** Decides how a worker thread started now is sealed; `undefined` leaves it alone. */
export type WorkerGuard = () => WorkerSeal | undefined;

interface SealState {
  guards: Set<ConnectGuard>;
  workerGuards: Set<WorkerGuard>;
  /** Ends the seal of the test file that ran last in this process (see {@link holdForFile}). */
  endLastFile?: () => void;
}

const SEAL = Symbol.for('tapedeck.seal');
/** The host and port a client socket was connected to (set on every TCP connection while sealed). */
const TARGET = Symbol.for('tapedeck.seal.target');
type SocketPrototype = {
  connect: (...args: unknown[]) => unknown;
  write: (...args: unknown[]) => boolean;
  destroy(error?: Error): void;
  [TARGET]?: ConnectTarget;
} & { [SEAL]?: SealState };

/**
 * The peer of a client TCP socket connected before the seal was installed (tapedeck imported after a
 * module opened it). Server-side sockets (a test's own server answering) and stdio, IPC and pipes have none.
 */
function peer(socket: SocketPrototype): ConnectTarget | undefined {
  const s = socket as unknown as { server?: unknown; remoteAddress?: string; remotePort?: number };
  if (s.server !== undefined && s.server !== null) return undefined;
  const port = s.remotePort;
  return port === undefined || s.remoteAddress === undefined ? undefined : { host: s.remoteAddress, port };
}

/** The first guard that refuses this use of the socket, if any. */
function refusal(state: SealState, target: ConnectTarget, socket: object): Error | undefined {
  for (const check of state.guards) {
    const refused = check(target, socket);
    if (refused !== undefined) return refused;
  }
  return undefined;
}

/** The host and port of `Socket#connect`'s arguments, in any of its forms; `undefined` for IPC paths. */
export function connectTarget(args: unknown[]): ConnectTarget | undefined {
  // net.connect() hands connect() its already-normalised [options, callback] array.
  const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
  if (first !== null && typeof first === 'object') {
    const options = first as { port?: unknown; host?: unknown; path?: unknown };
    if (options.path !== undefined && options.port === undefined) return undefined;
    return { host: typeof options.host === 'string' && options.host !== '' ? options.host : 'localhost', port: Number(options.port) };
  }
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    const host = Array.isArray(args[0]) ? undefined : args[1];
    return { host: typeof host === 'string' && host !== '' ? host : 'localhost', port: Number(first) };
  }
  return undefined; // a path: a Unix socket or a named pipe, not the network
}

/**
 * The process-wide seal, installed on first use: the wrappers of `Socket#connect` and `#write` and of
 * `Worker`, which stay (cheap, and other copies of tapedeck may rely on them), and the guards they ask.
 */
function sealState(): SealState {
  // Builtin modules are shared by every realm of the process (jest's sandboxes, vitest's vm contexts).
  const proto = Socket.prototype as unknown as SocketPrototype;
  const existing = proto[SEAL];
  if (existing !== undefined) return existing;
  const original = proto.connect;
  const originalWrite = proto.write;
  const created: SealState = { guards: new Set(), workerGuards: new Set() };
  Object.defineProperty(proto, SEAL, { value: created, configurable: true });
  proto.connect = function sealedConnect(this: SocketPrototype, ...args: unknown[]) {
    const target = connectTarget(args);
    if (target !== undefined) this[TARGET] = target;
    if (target !== undefined && created.guards.size > 0) {
      const refused = refusal(created, target, this);
      if (refused !== undefined) {
        // As a failed connection: asynchronously, through the socket's own 'error' event, so every
        // client (node:http, undici, a database driver) reports it the way it reports ECONNREFUSED.
        process.nextTick(() => this.destroy(refused));
        return this;
      }
    }
    return original.apply(this, args);
  };
  // A kept-alive connection opened where the network was open (a recording's live call, code outside
  // any scope) is reused without a new connect(): a write from a sealed scope on it is refused too.
  proto.write = function sealedWrite(this: SocketPrototype, ...args: unknown[]) {
    if (created.guards.size > 0) {
      const target = this[TARGET] ?? peer(this);
      if (target === undefined) return originalWrite.apply(this, args);
      const refused = refusal(created, target, this);
      if (refused !== undefined) {
        this.destroy(refused);
        return false;
      }
    }
    return originalWrite.apply(this, args);
  };
  patchWorker(created);
  return created;
}

/** Adds `guard` to the process-wide seal. Returns a function that removes it. */
export function addConnectGuard(guard: ConnectGuard): () => void {
  const state = sealState();
  state.guards.add(guard);
  return () => state.guards.delete(guard);
}

/**
 * A worker thread is a realm of its own, where neither the interceptors nor the seal above reach: one
 * started inside a scope gets the seal as a preload (`--require`, in its `execArgv`), which refuses every
 * connection but to `passthrough` hosts and reports each refusal back over a BroadcastChannel.
 */
function patchWorker(state: SealState): void {
  const Original = workerThreads.Worker;
  class SealedWorker extends Original {
    constructor(filename: string | URL, options: WorkerOptions = {}) {
      let sealed: WorkerSeal | undefined;
      for (const guard of state.workerGuards) sealed ??= guard();
      if (sealed === undefined) {
        super(filename, options);
        return;
      }
      super(filename, { ...options, execArgv: [...(options.execArgv ?? process.execArgv), '--require', sealed.preload] });
      this.once('exit', sealed.close);
    }
  }
  Object.defineProperty(SealedWorker, 'name', { value: 'Worker' });
  workerThreads.Worker = SealedWorker;
  // ESM named imports of builtins (`import { Worker } from 'node:worker_threads'`) see it once re-synced.
  syncBuiltinESMExports();
}

/** The preload that seals a worker: the same target and host rules, compiled into a file per host list. */
function workerPreload(channel: string, hosts: readonly HostMatcher[] | undefined): string {
  const allow = (hosts ?? []).map((h) => (typeof h === 'string' ? h : { source: h.source, flags: h.flags }));
  const source = `'use strict';
// tapedeck: the network seal of a worker thread started inside a cassette scope (DESIGN section 10).
const net = require('node:net');
const { BroadcastChannel } = require('node:worker_threads');
const connectTarget = ${connectTarget.toString()};
const allowedHost = ${allowedHost.toString()};
const hosts = ${JSON.stringify(allow)}.map((h) => (typeof h === 'string' ? h : new RegExp(h.source, h.flags)));
const original = net.Socket.prototype.connect;
net.Socket.prototype.connect = function sealedConnect(...args) {
  const target = connectTarget(args);
  if (target === undefined || allowedHost(target, hosts)) return original.apply(this, args);
  const channel = new BroadcastChannel(${JSON.stringify(channel)});
  channel.postMessage(target);
  channel.close();
  const error = new Error('tapedeck: a connection to ' + target.host + ':' + target.port + ' from a worker thread was refused: the test that started the worker is sealed (its failure says why).');
  error.code = 'TAPEDECK_SEALED';
  process.nextTick(() => this.destroy(error));
  return this;
};
`;
  const folder = join(tmpdir(), 'tapedeck-worker-seal');
  mkdirSync(folder, { recursive: true });
  const file = join(folder, `${createHash('sha256').update(source).digest('hex').slice(0, 16)}.cjs`);
  writeFileSync(file, source);
  return file;
}

/** The worker guard of this copy of tapedeck: workers started in a sealed scope are sealed too. */
function sessionWorkerGuard(lookup: () => CassetteSession | undefined = currentSession): WorkerGuard {
  return () => {
    if (inLiveCall()) return undefined;
    const session = lookup();
    if (session === undefined || session.mode === 'passthrough') return undefined;
    const channel = `tapedeck-seal-${process.pid}-${Math.random().toString(36).slice(2)}`;
    const reports = new BroadcastChannel(channel);
    reports.unref();
    reports.onmessage = (event: unknown) => void session.bypassedNetwork((event as { data: ConnectTarget }).data, httpUnavailableReason);
    return { preload: workerPreload(channel, session.options.passthrough), close: () => reports.close() };
  };
}

/**
 * Keeps a test file's seal (`release` ends it) until the next test file starts in this process, rather
 * than until the file's last hook: jest runs `afterAll` hooks in the order they were declared, so a
 * user's own `afterAll` runs after tapedeck's, and its calls must still meet the seal (they fail with
 * `session-closed` instead of going out unsealed). Files run one at a time per process.
 */
export function holdForFile(release: () => void): void {
  const state = sealState();
  state.endLastFile?.();
  state.endLastFile = release;
}

/** Whether `target` is one of the `passthrough` hosts: a host name, `host:port`, or a RegExp on `host:port`. */
export function allowedHost(target: ConnectTarget, hosts: readonly HostMatcher[] | undefined): boolean {
  if (hosts === undefined || hosts.length === 0) return false;
  const host = target.host.replace(/^\[(.*)\]$/, '$1');
  const hostPort = `${host.includes(':') ? `[${host}]` : host}:${target.port}`;
  return hosts.some((h) => (typeof h === 'string' ? h === host || h === hostPort || h === `${target.host}:${target.port}` : h.test(hostPort)));
}

/**
 * The guard of this copy of tapedeck: a connection made in a cassette scope that did not go through
 * tapedeck (a live call's body did: it runs outside the scope) is refused and fails the test, except to a
 * `passthrough` host, or in `passthrough` mode, where it is counted live. `session` is looked up per call.
 */
export function sessionGuard(lookup: () => CassetteSession | undefined = currentSession): ConnectGuard {
  return (target, socket) => {
    // Socket-level interception (msw 3's @mswjs/interceptors 0.45) sees every connection itself: HTTP from
    // a scope reaches tapedeck's listener whatever made it, and this wrapper cannot tell its own mocked
    // connects from real ones there. (Non-HTTP TCP is then not refused: a limit in the README.)
    if (socketInterception > 0 || inLiveCall()) return undefined;
    const session = lookup();
    if (session === undefined) return undefined;
    if (allowedHost(target, session.options.passthrough)) return undefined;
    return session.bypassedNetwork(target, httpUnavailableReason, socket);
  };
}

let httpUnavailableReason: string | undefined;
let socketInterception = 0;

/**
 * Tells the seal that socket-level interception is held (`+1`) or released (`-1`): while it is, the
 * interception layer itself sees every connection, and the seal leaves connections to it.
 */
export function holdSocketInterception(delta: 1 | -1): void {
  socketInterception = Math.max(0, socketInterception + delta);
}

/**
 * Tells the seal that HTTP interception could not be established here (`reason`: what is missing and
 * what to install), so a refused connection says so (`http-unavailable`) instead of blaming the client.
 */
export function setHttpUnavailable(reason: string | undefined): void {
  httpUnavailableReason = reason;
}

let guard: { release: () => void; holds: number } | undefined;
let enabled = true;

/** Turns the seal off for scopes started from now on. Only `npm run bench` does, to measure its cost. */
export function setSealEnabled(on: boolean): void {
  enabled = on;
}

/**
 * Seals this copy of tapedeck's cassette scopes until the returned function is called (calls nest: the
 * seal lifts when the last holder releases it). The adapters hold it for a test file, `withCassette` for
 * its scope.
 */
export function seal(): () => void {
  if (!enabled) return () => undefined;
  if (guard === undefined) {
    const releaseConnect = addConnectGuard(sessionGuard());
    const workers = sessionWorkerGuard();
    const state = sealState();
    state.workerGuards.add(workers);
    guard = {
      release: () => {
        releaseConnect();
        state.workerGuards.delete(workers);
      },
      holds: 0,
    };
  }
  const held = guard;
  held.holds++;
  let done = false;
  return () => {
    if (done) return;
    done = true;
    if (--held.holds > 0) return;
    held.release();
    if (guard === held) guard = undefined;
  };
}
