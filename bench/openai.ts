// Issue 17, per call: one warm `chat.completions.create` (the real openai SDK) replayed by tapedeck,
// against the cheapest thing a user writes by hand, `new OpenAI({ fetch: async () => new Response(json) })`,
// the bare @mswjs/interceptors floor tapedeck intercepts with, msw static handlers, tapedeck with the
// network seal off, and the live loopback server. Each (variant, round) runs in a fresh child; rounds rotate
// the order and pool the samples, as section 1 does.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Generation } from './generation.js';
import { runChild } from './lib/child.js';
import { startBenchServer } from './lib/server.js';
import { summarize, type Summary } from './lib/stats.js';
import { AB_BLOCK } from './lib/openai.js';
import type { OpenAIVariant, OpenAIWorkerInput, OpenAIWorkerOutput } from './openai-worker.js';

export interface OpenAIRow extends Summary {
  id: Exclude<OpenAIVariant, 'record'>;
  label: string;
  /** Median divided by the hand-written mock's median. */
  ratio: number;
  liveHits: number;
  /** The seal-off row: the same calls with the seal on, interleaved with these in the same processes. */
  sealedTwin?: Summary;
}

const variants: Array<[OpenAIRow['id'], string]> = [
  ['hand', 'hand-written mock: new OpenAI({ fetch: async () => new Response(json) })'],
  ['floor', 'bare @mswjs/interceptors listener, pre-serialized Response (the floor of any interceptors path)'],
  ['tapedeck', 'tapedeck replay'],
  ['tapedeck-unsealed', `tapedeck replay, network seal off, in scopes of ${AB_BLOCK} calls (alternating with the seal on in the same processes, to measure its cost)`],
  ['tapedeck-interceptors', 'tapedeck replay through the interceptors (fetch front off)'],
  ['msw-static', 'msw static http.post + HttpResponse.json'],
  ['live', 'live loopback server'],
];

/** Runs the per-call OpenAI comparison (in another Node and msw, with `generation`). */
export async function openaiSection(options: { rounds: number; warmup: number; iterations: number; log: (line: string) => void; generation?: Generation }): Promise<OpenAIRow[]> {
  const child = options.generation === undefined ? {} : { runtime: options.generation.runtime, env: options.generation.env };
  const server = await startBenchServer();
  const dir = await mkdtemp(join(tmpdir(), 'tapedeck-bench-openai-'));
  try {
    const base = { origin: server.origin, cassette: join(dir, 'openai.json'), warmup: options.warmup, iterations: options.iterations };
    await runChild<OpenAIWorkerOutput>('openai-worker.ts', { ...base, variant: 'record' } satisfies OpenAIWorkerInput, child);
    const recorded = server.hits();
    if (recorded !== options.warmup + options.iterations) throw new Error(`recording the openai cassette made ${recorded} live calls, expected ${options.warmup + options.iterations}`);
    const samples = new Map<string, number[]>();
    const sealedSamples: number[] = [];
    const hits = new Map<string, number>();
    for (let round = 0; round < options.rounds; round++) {
      const offset = Math.floor((round * variants.length) / options.rounds);
      // Rotated, and reversed every other round: no variant always runs right after the same neighbour.
      const rotated = [...variants.slice(offset), ...variants.slice(0, offset)];
      for (const [id] of round % 2 === 1 ? rotated.reverse() : rotated) {
        const before = server.hits();
        const out = await runChild<OpenAIWorkerOutput>('openai-worker.ts', { ...base, variant: id } satisfies OpenAIWorkerInput, child);
        if (out.wrong > 0) throw new Error(`openai ${id}: ${out.wrong} calls got a wrong answer; ${out.firstWrong}`);
        const served = server.hits() - before;
        if (id !== 'live' && served > 0) throw new Error(`openai ${id}: reached the live server ${served} times`);
        samples.set(id, [...(samples.get(id) ?? []), ...out.samples]);
        sealedSamples.push(...(out.sealedSamples ?? []));
        hits.set(id, (hits.get(id) ?? 0) + served);
      }
    }
    const rows: OpenAIRow[] = variants.map(([id, label]) => ({
      id,
      label,
      ...summarize(samples.get(id)!),
      ratio: Number.NaN,
      liveHits: hits.get(id)!,
      ...(id === 'tapedeck-unsealed' && sealedSamples.length > 0 ? { sealedTwin: summarize(sealedSamples) } : {}),
    }));
    const hand = rows.find((r) => r.id === 'hand')!;
    for (const row of rows) row.ratio = row.median / hand.median;
    options.log(`  ${rows.map((r) => `${r.id} ${r.median.toFixed(0)} µs`).join(', ')}`);
    return rows;
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
