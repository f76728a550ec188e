// Writes what the replay variants read: tapedeck cassettes of 1 / 1,000 / 10,000 entries and an SSE one,
// a nock.back fixture, and a Polly.js recording (made by Polly.js itself against the live server). The
// tapedeck and nock files are generated, so each is first checked against a real recording by the tool.
// Usage: node --import tsx bench/http-prepare.ts '<PrepareInput JSON>'.
import { isDeepStrictEqual } from 'node:util';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ToolCallCassette, withCassette, type CassetteFile } from '../src/index.js';
import { input, reply } from './lib/child.js';
import { cjsDefault } from './lib/cjs.js';
import { sseEvents, weatherBody, weatherPath } from './lib/server.js';

export interface PrepareInput {
  origin: string;
  fixtures: string;
  /** tapedeck cassette sizes. */
  sizes: number[];
  /** Entries in the nock.back fixture and the Polly.js recording. */
  peerEntries: number;
}

const spec = input<PrepareInput>();
await mkdir(spec.fixtures, { recursive: true });
const toolId = `http:GET ${spec.origin}/weather`;

function weatherEntry(i: number) {
  return {
    toolId,
    args: { query: { city: `c${i}` }, body: null },
    output: { status: 200, statusText: 'OK', headers: { 'content-type': 'application/json' }, body: { json: weatherBody(`c${i}`) } },
  };
}
const sseEntry = {
  toolId: `http:GET ${spec.origin}/stream`,
  args: { query: {}, body: null },
  output: { status: 200, statusText: 'OK', headers: { 'cache-control': 'no-cache', 'content-type': 'text/event-stream' }, body: { sse: sseEvents().map((data) => ({ data, delayMs: 0 })) } },
};

// 1. The generated entries must be what tapedeck itself records from the server.
const recordedPath = join(spec.fixtures, 'recorded.json');
await withCassette({ path: recordedPath, mode: 'record', onWarning: () => undefined }, async () => {
  await (await fetch(spec.origin + weatherPath(0))).text();
  await (await fetch(`${spec.origin}/stream`)).text();
});
const recorded = JSON.parse(await readFile(recordedPath, 'utf8')) as CassetteFile;
const generated = new ToolCallCassette();
generated.record(weatherEntry(0));
generated.record(sseEntry);
const withoutTimings = (entries: CassetteFile['entries']) =>
  JSON.parse(JSON.stringify(entries), (key, value: unknown) => (key === 'delayMs' ? undefined : value)) as unknown;
if (!isDeepStrictEqual(withoutTimings(recorded.entries), withoutTimings(generated.toJSON().entries))) {
  throw new Error(`generated entries differ from a real recording:\n${JSON.stringify(recorded.entries).slice(0, 2000)}\n${JSON.stringify(generated.toJSON().entries).slice(0, 2000)}`);
}

// 2. tapedeck cassettes.
for (const size of spec.sizes) {
  const cassette = new ToolCallCassette();
  for (let i = 0; i < size; i++) cassette.record(weatherEntry(i));
  await cassette.save(join(spec.fixtures, `tapedeck-${size}.json`));
}
const sse = new ToolCallCassette();
sse.record(sseEntry);
await sse.save(join(spec.fixtures, 'tapedeck-sse.json'));

// 3. nock.back fixture, in the shape nock.back's record mode writes (checked against one real recording).
const { default: nock } = await import('nock');
nock.back.fixtures = spec.fixtures;
nock.back.setMode('record');
{
  const { nockDone } = await nock.back('nock-recorded.json');
  await (await fetch(spec.origin + weatherPath(0))).text();
  nockDone();
}
nock.restore();
const nockDefinition = (i: number) => {
  const text = JSON.stringify(weatherBody(`c${i}`));
  return {
    scope: spec.origin,
    method: 'GET',
    path: weatherPath(i),
    body: '',
    status: 200,
    response: weatherBody(`c${i}`),
    rawHeaders: { 'content-length': String(Buffer.byteLength(text)), 'content-type': 'application/json' },
    responseIsBinary: false,
  };
};
const nockRecorded = JSON.parse(await readFile(join(spec.fixtures, 'nock-recorded.json'), 'utf8')) as Array<Record<string, unknown>>;
const pick = (d: Record<string, unknown>) => ({ ...d, rawHeaders: { 'content-type': (d.rawHeaders as Record<string, string>)['content-type'] } });
if (!isDeepStrictEqual(pick(nockRecorded[0]!), pick(nockDefinition(0)))) {
  throw new Error(`generated nock definition differs from nock's own:\n${JSON.stringify(nockRecorded[0])}\n${JSON.stringify(nockDefinition(0))}`);
}
await writeFile(join(spec.fixtures, `nock-${spec.peerEntries}.json`), JSON.stringify(Array.from({ length: spec.peerEntries }, (_, i) => nockDefinition(i)), null, 2));

// 4. Polly.js records its own HAR (the request ids are Polly's hashes), through its fetch adapter.
const { Polly } = await import('@pollyjs/core');
const FetchAdapter = cjsDefault(await import('@pollyjs/adapter-fetch'));
const FSPersister = cjsDefault(await import('@pollyjs/persister-fs'));
Polly.register(FetchAdapter);
Polly.register(FSPersister);
const polly = new Polly(`polly-${spec.peerEntries}`, {
  adapters: ['fetch'],
  adapterOptions: { fetch: { context: globalThis } },
  persister: 'fs',
  persisterOptions: { fs: { recordingsDir: join(spec.fixtures, 'polly') } },
  mode: 'record',
  logLevel: 'silent',
  matchRequestsBy: { headers: false, order: false },
});
for (let i = 0; i < spec.peerEntries; i++) await (await fetch(spec.origin + weatherPath(i))).text();
await polly.stop();

reply({ ok: true });
