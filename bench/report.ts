// Turns one bench run into the targets of issue 6 (met or missed, with the ratio) and a markdown report.
import type { HeapResult, IoRow } from './cassette-io.js';
import type { HashRow } from './hash.js';
import type { HttpRow } from './http.js';
import type { McpRow } from './mcp.js';
import type { OpenAIRow } from './openai.js';
import type { OpenAISuiteRow } from './openai-suite.js';
import type { Summary } from './lib/stats.js';
import type { ImportRow, SuiteRow } from './suite.js';

export interface Target {
  /** The issue whose target this is: 6 (replay against recording peers) or 17 (against hand-written mocks). */
  issue: 6 | 17;
  target: string;
  measured: string;
  met: boolean;
}

export interface BenchResults {
  date: string;
  smoke: boolean;
  seconds: number;
  machine: { cpu: string; cores: number; memoryGiB: number; node: string; platform: string; loadBefore: number[]; loadAfter: number[] };
  http: HttpRow[];
  /** The same HTTP cases under the other generation (Node 22, msw 3, interceptors 0.45), when run. */
  httpNext?: { label: string; rows: HttpRow[] };
  hash: HashRow[];
  io: IoRow[];
  heap?: HeapResult;
  suite: SuiteRow[];
  imports: ImportRow[];
  mcp: McpRow[];
  openai: OpenAIRow[];
  openaiSuite: OpenAISuiteRow[];
  /** Sections 7 and 8 again in the second generation (Node 22 with msw 3). */
  /** Sections 7 and 8 in other generations (Node 22 and 24 with msw 3). */
  openaiNext?: Array<{ label: string; openai: OpenAIRow[]; openaiSuite: OpenAISuiteRow[] }>;
  targets: Target[];
}

const x = (n: number) => `${n.toFixed(2)}x`;
const us = (n: number) => n.toFixed(0);

/**
 * The seal's cost: its two arms interleaved in the same processes (A B B A), so the spread between
 * processes (±10% here) does not decide a 5% target.
 */
function sealTarget(target: string, sealed: Summary, unsealed: Summary): Untagged {
  const ratio = sealed.median / unsealed.median;
  return { target, measured: `${us(sealed.median)} vs ${us(unsealed.median)} µs unsealed, interleaved in the same processes = ${x(ratio)}`, met: ratio <= 1.05 };
}
const kb = (n: number) => (n >= 1_048_576 ? `${(n / 1_048_576).toFixed(1)} MB` : `${(n / 1024).toFixed(0)} KB`);

/** A target before it is tagged with its issue. */
type Untagged = Omit<Target, 'issue'>;

function issue17Targets(r: BenchResults): Untagged[] {
  const out: Untagged[] = [...openaiTargets(r.openai, r.openaiSuite, '')];
  for (const g of r.openaiNext ?? []) out.push(...openaiTargets(g.openai, g.openaiSuite, `${g.label}: `));
  const td17 = r.imports.find((i) => i.what === 'tapedeck');
  const fetch17 = r.imports.find((i) => i.what === 'fetch');
  if (td17) {
    const overFetch = fetch17 === undefined ? '' : ` (of which ${fetch17.ms.toFixed(0)} ms is loading Node's own fetch, as any file that makes an HTTP call does: +${(td17.ms - fetch17.ms).toFixed(0)} ms over that)`;
    out.push({
      target: 'per file: import tapedeck/vitest + start interception ≤ +30 ms over an empty test file',
      measured: `+${td17.ms.toFixed(0)} ms wall, ${td17.cpuMs.toFixed(0)} ms CPU${overFetch}`,
      met: td17.ms <= 30,
    });
  }
  const big = [...r.io].sort((a, b) => b.entries - a.entries)[0];
  if (big) {
    out.push({
      target: `a replaying test's load of ${big.entries.toLocaleString('en-US')} entries ≤ 2x readFile + JSON.parse`,
      measured: `${big.sessionLoadMs.toFixed(1)} vs ${big.readParseMs.toFixed(1)} ms = ${x(big.sessionLoadRatio)} (ToolCallCassette.load, every hash at load: ${x(big.loadRatio)})`,
      met: big.sessionLoadRatio <= 2,
    });
  }
  return out;
}

/** The suite and per-call targets of one generation's openai rows (`prefix` names the generation). */
function openaiTargets(openai: OpenAIRow[], openaiSuite: OpenAISuiteRow[], prefix: string): Untagged[] {
  const out: Untagged[] = [];
  const suite = (v: string) => openaiSuite.find((s) => s.variant === v);
  const [hand, td, msw] = [suite('hand'), suite('tapedeck'), suite('msw')];
  if (hand && td && msw) {
    const shape = `${td.files} files x ${td.tests} tests x ${td.calls} openai calls`;
    out.push({
      target: `suite (${shape}), vitest wall: replay ≤ 1.10x the hand-written mock, and below msw static handlers`,
      measured: `${td.ms.toFixed(0)} vs ${hand.ms.toFixed(0)} ms = ${x(td.ratio)} (msw ${x(msw.ratio)})`,
      met: td.ratio <= 1.1 && td.ms < msw.ms,
    });
    out.push({
      target: `per test, cold (tests 2-${td.tests} of a fresh worker): scope + ${td.calls} SDK calls ≤ 1.5x the mock`,
      measured: `${td.coldTestMs.toFixed(2)} vs ${hand.coldTestMs.toFixed(2)} ms = ${x(td.coldTestRatio)} (msw ${x(msw.coldTestRatio)})`,
      met: td.coldTestRatio <= 1.5,
    });
  }
  const call = (id: string) => openai.find((o) => o.id === id);
  const [replay, floor, unsealed, viaInterceptors] = [call('tapedeck'), call('floor'), call('tapedeck-unsealed'), call('tapedeck-interceptors')];
  if (replay && floor) {
    const through = viaInterceptors === undefined ? '' : `; tapedeck through the interceptors: ${x(viaInterceptors.ratio)}`;
    out.push({ target: 'per call, warm: openai chat.completions.create replay ≤ 2.5x the hand mock', measured: `${us(replay.median)} µs = ${x(replay.ratio)} (bare interceptors listener: ${x(floor.ratio)}${through})`, met: replay.ratio <= 2.5 });
  }
  if (unsealed?.sealedTwin) {
    out.push(sealTarget('per call: the network seal adds ≤ 5% to a replayed openai call', unsealed.sealedTwin, unsealed));
  }
  return out.map((t) => ({ ...t, target: `${prefix}${t.target}` }));
}

/** The HTTP targets of one generation's rows (`prefix` names the generation). */
function httpTargets(rows: HttpRow[], prefix: string): Untagged[] {
  const out: Untagged[] = [];
  const row = (id: string, client: 'fetch' | 'http') => rows.find((h) => h.id === id && h.client === client);
  const largest = rows.filter((h) => /^tapedeck-\d+$/.test(h.id)).map((h) => Number(h.id.slice('tapedeck-'.length)));
  const mid = largest.includes(1000) ? 1000 : Math.max(...largest.filter((n) => n > 1), 1);
  for (const client of ['fetch', 'http'] as const) {
    const name = client === 'fetch' ? 'fetch' : 'node:http';
    const replay = row(`tapedeck-${mid}`, client);
    if (replay === undefined) continue;
    out.push({ target: `${name}: replay at ${mid.toLocaleString('en-US')} entries ≤ 1.05x msw minimum`, measured: `${us(replay.median)} µs = ${x(replay.ratio)}`, met: replay.ratio <= 1.05 });
    const one = row('tapedeck-1', client);
    const big = row(`tapedeck-${Math.max(...largest)}`, client);
    if (one && big) out.push({ target: `${name}: flat from 1 to ${Math.max(...largest).toLocaleString('en-US')} entries (≤ 1.10x)`, measured: `${us(one.median)} -> ${us(big.median)} µs = ${x(big.median / one.median)}`, met: big.median / one.median <= 1.1 });
    const unsealed = row('tapedeck-unsealed-1', client);
    if (unsealed?.sealedTwin) out.push(sealTarget(`${name}: the network seal adds ≤ 5% to a replayed request`, unsealed.sealedTwin, unsealed));
    const nock = row('nock-back', client);
    if (nock) out.push({ target: `${name}: ≥ 2.5x faster than nock.back lockdown`, measured: `${us(nock.median)} / ${us(replay.median)} µs = ${x(nock.median / replay.median)} faster`, met: nock.median / replay.median >= 2.5 });
    const polly = row(client === 'fetch' ? 'polly-fetch' : 'polly-node-http', client);
    if (polly && client === 'http') out.push({ target: 'node:http: ≥ 2.5x faster than Polly.js node-http adapter', measured: `${us(polly.median)} / ${us(replay.median)} µs = ${x(polly.median / replay.median)} faster`, met: polly.median / replay.median >= 2.5 });
    if (polly && client === 'fetch') out.push({ target: 'fetch: match Polly.js fetch adapter (≤ 1.05x)', measured: `${us(replay.median)} vs ${us(polly.median)} µs = ${x(replay.median / polly.median)}`, met: replay.median / polly.median <= 1.05 });
  }
  const sse = rows.find((h) => h.id === 'sse-tapedeck');
  if (sse) out.push({ target: 'SSE 200-event replay ≤ 1.1x reading it from a live loopback server', measured: `${(sse.median / 1000).toFixed(2)} ms = ${x(sse.ratio)}`, met: sse.ratio <= 1.1 });
  return out.map((t) => ({ ...t, target: `${prefix}${t.target}` }));
}

/** Each target of issues 6 and 17 that this run measured, with the numbers that decide it (HTTP: per generation). */
export function evaluateTargets(r: BenchResults): Target[] {
  return [...issue6Targets(r).map((t) => ({ issue: 6 as const, ...t })), ...issue17Targets(r).map((t) => ({ issue: 17 as const, ...t }))];
}

function issue6Targets(r: BenchResults): Untagged[] {
  const out: Untagged[] = [...httpTargets(r.http, '')];
  if (r.httpNext !== undefined) out.push(...httpTargets(r.httpNext.rows, `${r.httpNext.label}: `));
  const small = r.hash[0];
  if (small) out.push({ target: `argsHash ≤ 2.5x JSON.stringify + sha256 at ~200 B`, measured: `${small.argsHashUs.toFixed(2)} vs ${small.stringifyShaUs.toFixed(2)} µs at ${small.bytes} B = ${x(small.ratio)}`, met: small.ratio <= 2.5 });
  for (const io of r.io) {
    out.push({ target: `load ${io.entries.toLocaleString('en-US')} entries ≤ 2x readFile + JSON.parse`, measured: `${io.loadMs.toFixed(1)} vs ${io.readParseMs.toFixed(1)} ms = ${x(io.loadRatio)}`, met: io.loadRatio <= 2 });
    out.push({
      target: `stable crash-safe write of ${io.entries.toLocaleString('en-US')} entries ≤ 2x a plain write`,
      measured: `${io.stableWriteMs.toFixed(1)} vs ${io.plainWriteMs.toFixed(1)} ms = ${x(io.stableWriteRatio)} (with the secret scan: ${x(io.saveRatio)})`,
      met: io.stableWriteRatio <= 2,
    });
  }
  if (r.heap) {
    out.push({ target: `heap of a loaded ${r.heap.entries.toLocaleString('en-US')}-entry cassette ≤ 1.5x its file size`, measured: `${kb(r.heap.loadedBytes)} for ${kb(r.heap.fileBytes)} = ${x(r.heap.ratio)} (a replaying test's session: ${x(r.heap.sessionRatio)})`, met: r.heap.ratio <= 1.5 && r.heap.sessionRatio <= 1.5 });
  }
  const msw = r.imports.find((i) => i.what === 'msw');
  const td = r.imports.find((i) => i.what === 'tapedeck');
  if (msw && td) out.push({ target: 'per-file import of tapedeck/vitest ≤ msw import + 20 ms', measured: `${td.ms.toFixed(0)} vs ${msw.ms.toFixed(0)} ms = +${(td.ms - msw.ms).toFixed(0)} ms`, met: td.ms - msw.ms <= 20 });
  for (const runner of ['vitest', 'jest'] as const) {
    const replay = r.suite.find((s) => s.runner === runner && s.variant === 'tapedeck');
    if (replay) out.push({ target: `${runner}: ${replay.tests} tests x ${replay.callsPerTest} requests, replay ≤ 1.05x msw static handlers`, measured: `${replay.ms.toFixed(0)} ms = ${x(replay.ratio)}`, met: replay.ratio <= 1.05 });
  }
  return out;
}

/** Sections 7 and 8 of one generation (`suffix` names it in the headings). */
function openaiSections(openai: OpenAIRow[], openaiSuite: OpenAISuiteRow[], suffix: string): string[] {
  const parts: string[] = [];
  if (openai.length > 0) {
    parts.push(
      `## 7. One warm openai \`chat.completions.create\` (the real SDK, sequential)${suffix}\n\nµs per call, median and p95 of ${openai[0]!.n} calls per variant; ratio = median / the hand-written mock's median.\n\n` +
        table(['variant', 'median', 'p95', 'ratio'], openai.map((o) => [o.label, us(o.median), us(o.p95), x(o.ratio)])),
    );
  }
  if (openaiSuite.length > 0) {
    const first = openaiSuite[0]!;
    const label = {
      hand: 'hand-written mock (fetch option)',
      'hand-als': 'the same mock, each test in AsyncLocalStorage#run (what knowing the test of a call costs by itself)',
      tapedeck: 'tapedeck replay (CI=true)',
      msw: 'msw static handlers',
    };
    parts.push(
      `## 8. Suite: ${first.files} files x ${first.tests} tests x ${first.calls} openai calls, \`vitest run\` as a child process${suffix}\n\n` +
        `Wall ms, median of ${first.runs.length} runs interleaved with the order rotated; per test = one test's body (scope + calls) in ms, tests 2-${first.tests} of each file's fresh worker, mean per file, median over files and runs. Ratios to the hand-written mock.\n\n` +
        table(['variant', 'wall ms', 'ratio', 'per test ms', 'ratio'], openaiSuite.map((s) => [label[s.variant], s.ms.toFixed(0), x(s.ratio), s.coldTestMs.toFixed(2), x(s.coldTestRatio)])),
    );
  }
  return parts;
}

function table(head: string[], rows: string[][]): string {
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}

/** The whole run as markdown: machine, one table per section, the targets. */
export function renderMarkdown(r: BenchResults): string {
  const parts: string[] = [];
  parts.push(`# tapedeck bench${r.smoke ? ' (smoke run: tiny counts, the numbers mean nothing)' : ''}`);
  parts.push(
    `${r.date}, ${r.seconds} s. ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGiB} GiB, ${r.machine.platform}, Node ${r.machine.node}. ` +
      `Load average (1/5/15 min) ${r.machine.loadBefore.join(' / ')} before, ${r.machine.loadAfter.join(' / ')} after. ` +
      'Every ratio is against a baseline measured in this same run. Reproduce: `npm run bench`.',
  );
  parts.push(...httpSections(r.http, ''));
  if (r.httpNext !== undefined) parts.push(...httpSections(r.httpNext.rows, ` (${r.httpNext.label})`));
  if (r.hash.length > 0) {
    parts.push(
      `## 3. argsHash per call\n\n` +
        table(['args (JSON bytes)', 'argsHash µs', 'JSON.stringify + sha256 µs', 'ratio'], r.hash.map((h) => [String(h.bytes), h.argsHashUs.toFixed(2), h.stringifyShaUs.toFixed(2), x(h.ratio)])),
    );
  }
  if (r.io.length > 0) {
    parts.push(
      `## 4. Cassette load and save\n\nLoad = read + parse + validation + hash verification of every entry + index (\`ToolCallCassette.load\`); test's load = the same with each entry's hash checked on its first use (what a replaying test's session does); stable write = stable text + lock + temp file + fsync + rename + directory fsync (\`saveAtomic\`); save = a secret scan of every string, then the stable write (\`cassette.save\`); plain write = \`writeFile(JSON.stringify(data, null, 2))\`. ms, median.\n\n` +
        table(
          ['entries', 'file', 'readFile + JSON.parse', 'load', 'ratio', "test's load", 'ratio', 'plain write', 'stable write', 'ratio', 'save (+ secret scan)', 'ratio'],
          r.io.map((i) => [
            i.entries.toLocaleString('en-US'),
            kb(i.fileBytes),
            i.readParseMs.toFixed(1),
            i.loadMs.toFixed(1),
            x(i.loadRatio),
            i.sessionLoadMs.toFixed(1),
            x(i.sessionLoadRatio),
            i.plainWriteMs.toFixed(1),
            i.stableWriteMs.toFixed(1),
            x(i.stableWriteRatio),
            i.saveMs.toFixed(1),
            x(i.saveRatio),
          ]),
        ) +
        (r.heap
          ? `\n\nHeap after loading ${r.heap.entries.toLocaleString('en-US')} entries (${kb(r.heap.fileBytes)} file): \`JSON.parse\` alone keeps ${kb(r.heap.parsedBytes)}, ` +
            `\`ToolCallCassette.load\` keeps ${kb(r.heap.loadedBytes)} (${x(r.heap.ratio)} the file), a replaying test's session keeps ${kb(r.heap.sessionBytes)} (${x(r.heap.sessionRatio)}).`
          : ''),
    );
  }
  if (r.suite.length > 0) {
    const runners = [...new Set(r.suite.map((s) => s.runner))];
    const cell = (runner: string, v: string) => {
      const s = r.suite.find((q) => q.runner === runner && q.variant === v);
      return s === undefined ? '' : `${s.ms.toFixed(0)} (${x(s.ratio)})`;
    };
    parts.push(
      `## 5. Suite: one file of ${r.suite[0]!.tests} tests x ${r.suite[0]!.callsPerTest} fetches, whole runner process\n\nms, median of ${r.suite[0]!.runs.length} runs (ratio to msw static handlers).\n\n` +
        table(['runner', 'msw static handlers', 'tapedeck replay', 'live loopback server'], runners.map((runner) => [runner, cell(runner, 'msw'), cell(runner, 'tapedeck'), cell(runner, 'live')])),
    );
  }
  if (r.imports.length > 0) {
    parts.push(
      `Per test file (vitest, each file in its own process, median of ${r.imports[0]!.files} files): ` +
        r.imports
          .map((i) =>
            i.what === 'msw'
              ? `import msw + msw/node, setupServer, listen: ${i.ms.toFixed(0)} ms (${i.cpuMs.toFixed(0)} ms CPU)`
              : i.what === 'fetch'
                ? `first use of Node's own fetch (new Headers()), as any file making an HTTP call: ${i.ms.toFixed(0)} ms (${i.cpuMs.toFixed(0)} ms CPU)`
                : `import tapedeck/vitest + start interception (msw's interceptors, not msw): ${i.ms.toFixed(0)} ms (${i.cpuMs.toFixed(0)} ms CPU)`,
          )
          .join('; ') +
        '.',
    );
  }
  if (r.mcp.length > 0) {
    const label = { call: 'one tools/call on a connected client', test: 'one test: connect, one tools/call, close (live: spawns the server)' };
    parts.push(
      `## 6. MCP: a replayed tools/call against a live stdio server (SDK client and server)\n\nms, median.\n\n` +
        table(['what', 'n', 'tapedeck replay', 'live stdio server', 'replay is faster by'], r.mcp.map((m) => [label[m.what], String(m.n), m.replayMs.toFixed(3), m.liveMs.toFixed(3), x(m.speedup)])),
    );
  }
  parts.push(...openaiSections(r.openai, r.openaiSuite, ''));
  for (const g of r.openaiNext ?? []) parts.push(...openaiSections(g.openai, g.openaiSuite, ` (${g.label})`));
  for (const issue of [6, 17] as const) {
    const targets = r.targets.filter((t) => t.issue === issue);
    if (targets.length > 0) parts.push(`## Targets (issue ${issue})\n\n` + table(['target', 'measured', 'met'], targets.map((t) => [t.target, t.measured, t.met ? 'yes' : '**no**'])));
  }
  return `${parts.join('\n\n')}\n`;
}

/** Sections 1 and 2 for one generation's rows. */
function httpSections(rows: HttpRow[], generation: string): string[] {
  const parts: string[] = [];
  const json = rows.filter((h) => h.kind === 'json');
  if (json.length > 0) {
    const ids = [...new Set(json.map((h) => h.id))];
    const cell = (id: string, client: 'fetch' | 'http') => {
      const h = json.find((j) => j.id === id && j.client === client);
      return h === undefined ? ['', '', ''] : [us(h.median), us(h.p95), x(h.ratio)];
    };
    parts.push(
      `## 1. One HTTP request, small JSON (~120 B), sequential${generation}\n\nµs per request (client call to parsed body), median and p95 of ${json[0]!.n} requests per variant and client; ratio = median / msw minimum's median with the same client.\n\n` +
        table(
          ['variant', 'fetch median', 'fetch p95', 'fetch ratio', 'node:http median', 'node:http p95', 'node:http ratio'],
          ids.map((id) => [json.find((j) => j.id === id)!.label, ...cell(id, 'fetch'), ...cell(id, 'http')]),
        ),
    );
  }
  const sse = rows.filter((h) => h.kind === 'sse');
  if (sse.length > 0) {
    parts.push(
      `## 2. SSE: one 200-event stream (fetch, read chunk by chunk to the end)${generation}\n\n` +
        table(['variant', 'median ms', 'p95 ms', 'ratio to live'], sse.map((h) => [h.label, (h.median / 1000).toFixed(2), (h.p95 / 1000).toFixed(2), x(h.ratio)])),
    );
  }
  return parts;
}

/** What the console shows: the same tables. */
export const renderText = renderMarkdown;
