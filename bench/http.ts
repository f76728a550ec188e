// Sections 1 and 2 of issue 6: per-request cost of each HTTP variant (small JSON, fetch and node:http) and
// reading a 200-event SSE stream. Every (variant, client) runs in a fresh child process; the whole list
// runs `rounds` times in rotated order and the samples of all rounds are pooled, so a noisy neighbour
// spreads over every variant instead of landing on one.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PrepareInput } from './http-prepare.js';
import type { Generation } from './generation.js';
import type { Variant, WorkerInput, WorkerOutput } from './http-worker.js';
import { runChild } from './lib/child.js';
import { startBenchServer } from './lib/server.js';
import { summarize, type Summary } from './lib/stats.js';

/** One measured HTTP variant. */
export interface HttpRow extends Summary {
  kind: 'json' | 'sse';
  client: 'fetch' | 'http';
  /** Stable id, e.g. `tapedeck-1000`. */
  id: string;
  label: string;
  /** Median divided by the kind's baseline median (msw minimum for JSON, live for SSE). */
  ratio: number;
  /** Requests served by the loopback server during the variant (0 for every replay). */
  liveHits: number;
  experiment?: boolean;
  /** The seal-off row: the same requests with the seal on, interleaved with these in the same processes. */
  sealedTwin?: Summary;
}

interface Case {
  id: string;
  label: string;
  variant: Variant;
  kind: 'json' | 'sse';
  clients: Array<'fetch' | 'http'>;
  entries?: number;
  adapter?: 'fetch' | 'node-http';
  live?: boolean;
  experiment?: boolean;
  als?: boolean;
}

export interface HttpOptions {
  rounds: number;
  warmup: number;
  iterations: number;
  sseWarmup: number;
  sseIterations: number;
  sizes: number[];
  peerEntries: number;
  /** Workers run at once (1 for real numbers; more only in smoke runs, where timings mean nothing). */
  concurrency?: number;
  /** Cases whose id matches write a CPU profile of their measured requests into `profileDir`. */
  profile?: RegExp;
  profileDir?: string;
  /** Only the cases whose id matches. */
  only?: RegExp;
  /** Smoke runs: each case with one client (alternating), msw's minimum with both (the ratios' base). */
  oneClient?: boolean;
  /** Run the workers under another Node and msw (the msw 3 generation); default: this Node, the repo's msw. */
  generation?: Generation;
  log: (line: string) => void;
}

export function httpCases(options: Pick<HttpOptions, 'sizes' | 'peerEntries'>): Case[] {
  const both: Array<'fetch' | 'http'> = ['fetch', 'http'];
  const peers = options.peerEntries.toLocaleString('en-US');
  // The mswServer row replays from the same cassette as the 1,000-entry target (smoke runs use smaller ones).
  const mid = options.sizes.includes(1000) ? 1000 : Math.max(...options.sizes);
  return [
    { id: 'msw-min', label: "msw minimum: http.all('*') + pre-serialized new Response", variant: 'msw-min', kind: 'json', clients: both },
    {
      id: 'msw-min-als',
      label: "msw minimum, inside AsyncLocalStorage.run (the context tapedeck's routing needs)",
      variant: 'msw-min',
      kind: 'json',
      clients: both,
      als: true,
    },
    { id: 'msw-static', label: 'msw static http.get + HttpResponse.json', variant: 'msw-static', kind: 'json', clients: both },
    ...options.sizes.map<Case>((entries) => ({
      id: `tapedeck-${entries}`,
      label: `tapedeck replay, ${entries.toLocaleString('en-US')} entr${entries === 1 ? 'y' : 'ies'}`,
      variant: 'tapedeck',
      kind: 'json',
      clients: both,
      entries,
    })),
    { id: 'tapedeck-unsealed-1', label: 'tapedeck replay, 1 entry, network seal off (alternating with the seal on in the same processes, to measure its cost)', variant: 'tapedeck-unsealed', kind: 'json', clients: both, entries: 1, experiment: true },
    { id: 'nock-back', label: `nock.back lockdown, ${peers} entries`, variant: 'nock-back', kind: 'json', clients: both, entries: options.peerEntries },
    { id: 'polly-fetch', label: `Polly.js fetch adapter, fs persister, ${peers} entries`, variant: 'polly', kind: 'json', clients: ['fetch'], entries: options.peerEntries, adapter: 'fetch' },
    { id: 'polly-node-http', label: `Polly.js node-http adapter, fs persister, ${peers} entries`, variant: 'polly', kind: 'json', clients: ['http'], entries: options.peerEntries, adapter: 'node-http' },
    { id: 'live', label: 'live loopback server (keep-alive)', variant: 'live', kind: 'json', clients: both, live: true },
    { id: 'interceptors-min', label: 'floor: bare @mswjs/interceptors listener, pre-serialized Response', variant: 'interceptors-min', kind: 'json', clients: both, experiment: true },
    {
      id: `tapedeck-msw-server-${mid}`,
      label: `tapedeck replay through a user's msw server (mswServer), ${mid.toLocaleString('en-US')} entries`,
      variant: 'tapedeck-msw-server',
      kind: 'json',
      clients: both,
      entries: mid,
    },
    { id: 'sse-live', label: 'SSE 200 events: live loopback server', variant: 'live', kind: 'sse', clients: ['fetch'], live: true },
    { id: 'sse-msw-static', label: 'SSE 200 events: msw static handler streaming them', variant: 'msw-static', kind: 'sse', clients: ['fetch'] },
    { id: 'sse-tapedeck', label: 'SSE 200 events: tapedeck replay', variant: 'tapedeck', kind: 'sse', clients: ['fetch'], entries: 1 },
  ];
}

/** Runs `fn` over `items`, at most `limit` at a time. */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/** Sections 1 and 2: one row per (case, client). */
export interface HttpResults {
  rows: HttpRow[];
}

/** Runs sections 1 and 2. */
export async function httpSection(options: HttpOptions): Promise<HttpResults> {
  const server = await startBenchServer();
  const fixtures = await mkdtemp(join(tmpdir(), 'tapedeck-bench-http-'));
  if (options.profileDir !== undefined) await mkdir(options.profileDir, { recursive: true });
  try {
    const start = Date.now();
    await runChild('http-prepare.ts', { origin: server.origin, fixtures, sizes: options.sizes, peerEntries: options.peerEntries } satisfies PrepareInput);
    options.log(`  prepared cassettes, nock fixture and Polly.js recording in ${((Date.now() - start) / 1000).toFixed(1)} s`);
    const cases = httpCases(options).filter((c) => options.only === undefined || options.only.test(c.id));
    const jobs = cases.flatMap((c, i) => {
      const clients = options.oneClient === true && c.id !== 'msw-min' && c.clients.length > 1 ? [c.clients[i % 2]!] : c.clients;
      return clients.map((client) => ({ c, client }));
    });
    const samples = new Map<string, number[]>();
    const sealedSamples = new Map<string, number[]>();
    const hits = new Map<string, number>();
    const runJob = async ({ c, client }: (typeof jobs)[number], round: number): Promise<void> => {
      const sse = c.kind === 'sse';
      const key = `${c.id}/${client}`;
      const profiled = options.profile?.test(c.id) === true && options.profileDir !== undefined;
      const before = server.hits();
      const out = await runChild<WorkerOutput>(
        'http-worker.ts',
        {
          variant: c.variant,
          client,
          kind: c.kind,
          origin: server.origin,
          fixtures,
          warmup: sse ? options.sseWarmup : options.warmup,
          iterations: sse ? options.sseIterations : options.iterations,
          ...(c.entries === undefined ? {} : { entries: c.entries }),
          ...(c.adapter === undefined ? {} : { adapter: c.adapter }),
          ...(c.als === true ? { als: true } : {}),
          ...(profiled ? { profile: join(options.profileDir!, `${c.id}-${client}-r${round + 1}.cpuprofile`) } : {}),
        } satisfies WorkerInput,
        options.generation === undefined ? {} : { runtime: options.generation.runtime, env: options.generation.env },
      );
      if (out.wrong > 0) throw new Error(`${key}: ${out.wrong} requests got a wrong answer; ${out.firstWrong}`);
      samples.set(key, [...(samples.get(key) ?? []), ...out.samples]);
      if (out.sealedSamples !== undefined) sealedSamples.set(key, [...(sealedSamples.get(key) ?? []), ...out.sealedSamples]);
      hits.set(key, (hits.get(key) ?? 0) + server.hits() - before);
    };
    const concurrency = options.concurrency ?? 1;
    for (let round = 0; round < options.rounds; round++) {
      const roundStart = Date.now();
      // Rotate the order each round, so no variant always runs right after the same neighbour.
      const offset = Math.floor((round * jobs.length) / options.rounds);
      const order = [...jobs.slice(offset), ...jobs.slice(0, offset)];
      if (concurrency <= 1) {
        for (const job of order) await runJob(job, round);
      } else {
        // Side by side, per-job hit counts mix: run the replays first and check the server saw none.
        const before = server.hits();
        await pool(order.filter((j) => !j.c.live), concurrency, (job) => runJob(job, round));
        if (server.hits() !== before) throw new Error(`replays reached the live server ${server.hits() - before} times`);
        await pool(order.filter((j) => j.c.live), concurrency, (job) => runJob(job, round));
      }
      options.log(`  round ${round + 1}/${options.rounds}: ${jobs.length} variants in ${((Date.now() - roundStart) / 1000).toFixed(1)} s`);
    }
    for (const { c, client } of jobs) {
      const served = hits.get(`${c.id}/${client}`) ?? 0;
      if (!c.live && served > 0) throw new Error(`${c.id}/${client}: a replay reached the live server ${served} times`);
    }
    const rows: HttpRow[] = [];
    for (const { c, client } of jobs) {
      const s = summarize(samples.get(`${c.id}/${client}`)!);
      const sealed = sealedSamples.get(`${c.id}/${client}`);
      rows.push({
        kind: c.kind,
        client,
        id: c.id,
        label: c.label,
        ...s,
        ratio: Number.NaN,
        liveHits: hits.get(`${c.id}/${client}`)!,
        ...(c.experiment ? { experiment: true } : {}),
        ...(sealed === undefined ? {} : { sealedTwin: summarize(sealed) }),
      });
    }
    for (const row of rows) {
      const base = rows.find((r) => r.client === row.client && r.id === (row.kind === 'json' ? 'msw-min' : 'sse-live'));
      row.ratio = base === undefined ? Number.NaN : row.median / base.median;
    }
    return { rows };
  } finally {
    await server.stop();
    await rm(fixtures, { recursive: true, force: true });
  }
}
