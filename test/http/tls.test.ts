// DESIGN section 3 and 11: HTTPS is taped whatever carries its TLS settings: a CA trusted process-wide
// (NODE_EXTRA_CA_CERTS), an `https.Agent({ ca })`, per-request options, a client certificate (mTLS), and
// through fetch, node:https, axios and got. Recorded against a loopback server with a private CA made at
// test time, then replayed with the server stopped.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { Agent, get as httpsGet, request as httpsRequest, type RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import got from 'got';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { withCassette, type Mode } from '../../src/index.js';
import { makePki, startTlsServer, type TestPki, type TlsServer } from '../helpers/tls.js';

let pki: TestPki;
beforeAll(() => {
  pki = makePki();
});
let server: TlsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const quiet = { onWarning: () => undefined } as const;
const tempPath = async () => join(await mkdtemp(join(tmpdir(), 'tapedeck-tls-')), 'c.json');

function nodeGet(url: string, options: RequestOptions): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = httpsGet(url, options, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(text) as unknown }));
    });
    req.on('error', reject);
  });
}

function nodePost(url: string, options: RequestOptions, body: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ...options, method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve(JSON.parse(text) as unknown));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Records `call` against a live server, stops the server, replays it: returns both results. */
async function recordThenReplay(requireClientCert: boolean, call: (base: string) => Promise<unknown>): Promise<{ live: unknown; replayed: unknown; hits: number }> {
  server = await startTlsServer(pki, requireClientCert);
  const base = server.url;
  const path = await tempPath();
  const run = (mode: Mode) => withCassette({ path, mode, ...quiet }, () => call(base));
  const live = await run('auto');
  const hits = server.hits();
  await server.close();
  server = undefined;
  const replayed = await run('replay');
  return { live, replayed, hits };
}

describe('HTTPS with a private CA', () => {
  it('node:https through new https.Agent({ ca }): recorded live and replayed', async () => {
    const { live, replayed, hits } = await recordThenReplay(false, (base) => nodeGet(`${base}/agent`, { agent: new Agent({ ca: pki.ca }) }));
    expect(hits).toBe(1);
    expect(live).toEqual({ status: 200, body: { path: '/agent', client: null, n: 1 } });
    expect(replayed).toEqual(live);
  });

  it('node:https with the CA as a per-request option, GET and POST', async () => {
    const { live, replayed, hits } = await recordThenReplay(false, async (base) => [await nodeGet(`${base}/own`, { ca: pki.ca }), await nodePost(`${base}/post`, { ca: pki.ca }, '{"q":1}')]);
    expect(hits).toBe(2);
    expect(live).toEqual([{ status: 200, body: { path: '/own', client: null, n: 1 } }, { path: '/post', client: null, n: 2 }]);
    expect(replayed).toEqual(live);
  });

  it('a client certificate (mutual TLS) through https.Agent({ ca, cert, key }): the server saw it while recording', async () => {
    const agent = () => new Agent({ ca: pki.ca, cert: pki.client.cert, key: pki.client.key });
    const { live, replayed } = await recordThenReplay(true, (base) => nodeGet(`${base}/mtls`, { agent: agent() }));
    expect(live).toEqual({ status: 200, body: { path: '/mtls', client: 'agent-under-test', n: 1 } });
    expect(replayed).toEqual(live);
  });

  it('the TLS settings are still enforced: a wrong CA fails, and the recording names the TLS error', async () => {
    const other = makePki();
    server = await startTlsServer(pki);
    const base = server.url;
    const path = await tempPath();
    // The test catches the failure (and passes), so its cassette is written.
    const error = await withCassette({ path, mode: 'auto', ...quiet }, () => nodeGet(`${base}/x`, { agent: new Agent({ ca: other.ca }) }).catch((e: unknown) => e));
    expect(error).toBeInstanceOf(Error);
    expect(server.hits()).toBe(0);
    const file = JSON.parse(await readFile(path, 'utf8')) as { entries: Array<{ result: { ok: boolean; error: { message: string } } }> };
    expect(file.entries[0]!.result.ok).toBe(false);
    expect(file.entries[0]!.result.error.message).toMatch(/certificate/i);
  });

  it('axios with httpsAgent and got with https.certificateAuthority', async () => {
    const { live, replayed, hits } = await recordThenReplay(false, async (base) => {
      const a = await axios.get<unknown>(`${base}/axios`, { httpsAgent: new Agent({ ca: pki.ca }) });
      const g = await got(`${base}/got`, { https: { certificateAuthority: pki.ca }, retry: { limit: 0 } }).json<unknown>();
      return { axios: { status: a.status, data: a.data }, got: g };
    });
    expect(hits).toBe(2);
    expect(live).toEqual({ axios: { status: 200, data: { path: '/axios', client: null, n: 1 } }, got: { path: '/got', client: null, n: 2 } });
    expect(replayed).toEqual(live);
  });

  it('a CA trusted process-wide (NODE_EXTRA_CA_CERTS): fetch and node:https, recorded and replayed in a child process', async () => {
    server = await startTlsServer(pki);
    const base = server.url;
    const dir = await mkdtemp(join(tmpdir(), 'tapedeck-tls-env-'));
    const caFile = join(dir, 'ca.pem');
    await writeFile(caFile, pki.ca);
    const script = join(dir, 'run.mts');
    const src = join(import.meta.dirname, '..', '..', 'src', 'index.ts');
    await writeFile(
      script,
      `import { get } from 'node:https';
import { withCassette } from ${JSON.stringify(src)};
const [base, path, mode] = process.argv.slice(2) as [string, string, 'auto' | 'replay'];
const nodeGet = (url: string) => new Promise<string>((resolve, reject) => get(url, (res) => { let t = ''; res.on('data', (c) => (t += c)); res.on('end', () => resolve(t)); }).on('error', reject));
const out = await withCassette({ path, mode, onWarning: () => undefined }, async () => [await (await fetch(base + '/fetch')).text(), await nodeGet(base + '/node')]);
console.log(JSON.stringify(out));
`,
    );
    const path = join(dir, 'c.json');
    // Asynchronous: the server answers from this process, whose event loop must keep running.
    const run = async (mode: string): Promise<string[]> => {
      const child = spawn(process.execPath, ['--import', 'tsx', script, base, path, mode], {
        cwd: join(import.meta.dirname, '..', '..'),
        // A clean environment: only what the child needs, and the CA file.
        env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_EXTRA_CA_CERTS: caFile },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c));
      child.stderr.on('data', (c: Buffer) => (stderr += c));
      const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
      expect(code, stderr).toBe(0);
      return JSON.parse(stdout.trim().split('\n').at(-1)!) as string[];
    };
    const live = await run('auto');
    expect(live.map((t) => JSON.parse(t) as unknown)).toEqual([{ path: '/fetch', client: null, n: 1 }, { path: '/node', client: null, n: 2 }]);
    await server.close();
    server = undefined;
    expect(await run('replay')).toEqual(live);
  });
});
