// Issue 14's corpus, planted in every place a recording can carry it, through the real fetch and the
// real node:http client against a real loopback server. Either tapedeck redacts the place (a credential
// name, a key-shaped URL path segment: the recording then replays with another key), or it refuses the
// write with `secret-detected`. Afterwards every byte of every file in the run's folder is searched
// for the key: 0 occurrences.
import { request as httpRequest } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDACTED, ReplayError, tool, withCassette } from '../../src/index.js';
import { startServer, type LoopbackServer } from '../helpers/server.js';
import { filesContaining, listFiles, removeDir, tempDir } from '../reliability/helpers.js';
import { corpus, opaque, ordinary, type FakeKey } from './corpus.js';

type Reply = { status?: number; headers?: Record<string, string | string[]>; body: string };
let reply: Reply = { body: '{}' };

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const json = (value: unknown): Reply => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) });

/** node:http, as axios and got use it. */
function nodeGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: { ...res.headers }, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

interface Place {
  name: string;
  /** `redacted`: the write succeeds and replays with another key; `refused`: `secret-detected`. */
  expect: 'redacted' | 'refused';
  /** Only keys whose value is the key itself (a URL path cannot carry `Basic …`). */
  bareOnly?: boolean;
  /** Only keys with a shape: an opaque one can only be given away by its name. */
  shapedOnly?: boolean;
  /** Only keys on one line: a header cannot carry a PEM block. */
  oneLine?: boolean;
  /** The key is in the response body: the live client reads it; the replay reads this (it redacted). */
  replayedAs?: (live: unknown) => unknown;
  matchHeaders?: string[];
  run(s: LoopbackServer, key: string): Promise<unknown>;
}

const places: Place[] = [
  {
    name: 'request headers: authorization and any *-token, matched',
    expect: 'redacted',
    oneLine: true,
    matchHeaders: ['authorization', 'x-refresh-token', 'x-client-secret'],
    run: async (s, key) => {
      reply = json({ ok: true });
      return (await fetch(`${s.url}/v1/me`, { headers: { authorization: `Bearer ${key}`, 'x-refresh-token': key, 'x-client-secret': key } })).json();
    },
  },
  {
    name: 'query: sig, X-Amz-Signature, auth, api_key, access_token (node:http)',
    expect: 'redacted',
    run: async (s, key) => {
      reply = json({ ok: true });
      const q = ['sig', 'X-Amz-Signature', 'auth', 'api_key', 'access_token'].map((n) => `${n}=${encodeURIComponent(key)}`).join('&');
      return (await nodeGet(`${s.url}/blob?sv=2024-01-01&${q}&keyword=cats`)).body;
    },
  },
  {
    name: 'form request body: client_secret (OAuth client credentials)',
    expect: 'redacted',
    run: async (s, key) => {
      reply = json({ token_type: 'bearer', expires_in: 3600 });
      return (await fetch(`${s.url}/oauth/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'app', client_secret: key }) })).json();
    },
  },
  {
    name: 'JSON request body: password',
    expect: 'redacted',
    run: async (s, key) => {
      reply = json({ ok: true });
      return (await fetch(`${s.url}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'ana', password: key }) })).json();
    },
  },
  {
    name: 'multipart request body: a client_secret part',
    expect: 'redacted',
    run: async (s, key) => {
      reply = json({ ok: true });
      const body = new FormData();
      body.set('client_id', 'app');
      body.set('client_secret', key);
      return (await fetch(`${s.url}/oauth/token`, { method: 'POST', body })).json();
    },
  },
  {
    name: 'response headers: x-amz-security-token, x-refresh-token, set-cookie',
    expect: 'redacted',
    oneLine: true,
    run: async (s, key) => {
      reply = { headers: { 'content-type': 'application/json', 'x-amz-security-token': key, 'x-refresh-token': key, 'set-cookie': [`sid=${key}; HttpOnly`] }, body: '{"ok":true}' };
      const r = await fetch(`${s.url}/sts`);
      return { token: r.headers.get('x-amz-security-token'), refresh: r.headers.get('x-refresh-token'), body: await r.json() };
    },
  },
  {
    name: 'JSON response body: access_token, refresh_token',
    expect: 'redacted',
    replayedAs: (live) => ({ ...(live as object), access_token: REDACTED, refresh_token: REDACTED }),
    run: async (s, key) => {
      reply = json({ access_token: key, refresh_token: key, token_type: 'Bearer', expires_in: 3599 });
      return (await fetch(`${s.url}/oauth/token`, { method: 'POST' })).json();
    },
  },
  {
    name: 'form response body: access_token (node:http)',
    expect: 'redacted',
    replayedAs: (live) => {
      const form = new URLSearchParams(live as string);
      form.set('access_token', REDACTED);
      return form.toString().replace(encodeURIComponent(REDACTED), REDACTED);
    },
    run: async (s, key) => {
      reply = { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form({ access_token: key, scope: 'repo', token_type: 'bearer' }) };
      return (await nodeGet(`${s.url}/login/oauth/access_token`)).body;
    },
  },
  {
    name: 'tool args: api_key',
    expect: 'redacted',
    run: (_s, key) => tool('crm.lookup', (q: { api_key: string; q: string }) => ({ found: q.q }))({ api_key: key, q: 'ana' }),
  },
  {
    name: 'URL path: the key as a segment (a Telegram bot token, an API key)',
    expect: 'redacted',
    bareOnly: true,
    shapedOnly: true,
    run: async (s, key) => {
      reply = json({ ok: true });
      // Telegram's form glues the token to `bot`; a key glued to letters is no key shape (`task-…` is
      // not `sk-…`), so other keys get a segment of their own.
      const segment = /^\d+:/.test(key) ? `bot${key}` : encodeURIComponent(key);
      return (await fetch(`${s.url}/v1/${segment}/sendMessage?chat_id=1`)).json();
    },
  },
  {
    name: 'JSON request body under a harmless name',
    expect: 'refused',
    shapedOnly: true,
    run: async (s, key) => {
      reply = json({ ok: true });
      return (await fetch(`${s.url}/v1/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: [{ role: 'user', content: `use ${key}` }] }) })).json();
    },
  },
  {
    name: 'JSON response body under a harmless name',
    expect: 'refused',
    shapedOnly: true,
    run: async (s, key) => {
      reply = json({ choices: [{ message: { content: `Here it is: ${key}` } }] });
      return (await fetch(`${s.url}/v1/chat`)).json();
    },
  },
  {
    name: 'SSE: one event',
    expect: 'refused',
    shapedOnly: true,
    run: async (s, key) => {
      reply = { headers: { 'content-type': 'text/event-stream' }, body: ['Your ', key, ' ok'].map((d) => `data: ${JSON.stringify({ delta: d })}\n\n`).join('') };
      return (await fetch(`${s.url}/v1/stream`)).text();
    },
  },
  {
    name: 'SSE: split across two events',
    expect: 'refused',
    shapedOnly: true,
    run: async (s, key) => {
      reply = { headers: { 'content-type': 'text/event-stream' }, body: ['Key: ', key.slice(0, 5), key.slice(5), '.'].map((d) => `data: ${JSON.stringify({ choices: [{ delta: { content: d } }] })}\n\n`).join('') };
      return (await fetch(`${s.url}/v1/stream`)).text();
    },
  },
  {
    name: 'tool output under a harmless name',
    expect: 'refused',
    shapedOnly: true,
    run: (_s, key) => tool('settings.read', () => ({ config: { line: `value ${key}` } }))(),
  },
  {
    name: 'a tool error message',
    expect: 'refused',
    shapedOnly: true,
    run: (_s, key) =>
      tool('key.check', (): unknown => {
        throw new Error(`invalid key ${key}`);
      })().catch((error: Error) => error.name),
  },
];

let server: LoopbackServer;
let dir: string;
beforeAll(async () => {
  server = await startServer((_req, res) => {
    res.writeHead(reply.status ?? 200, reply.headers ?? {});
    res.end(reply.body);
  });
  dir = await tempDir('secrets-corpus');
});
afterAll(async () => {
  await server.close();
  await removeDir(dir);
});

const keysFor = (place: Place, seed: number): FakeKey[] => {
  const keys: FakeKey[] = corpus(seed).filter((k) => (!place.bareOnly || k.needle === k.value) && (!place.oneLine || !k.value.includes('\n')));
  if (!place.shapedOnly) keys.push({ kind: 'opaque', value: opaque(seed), needle: opaque(seed) });
  return keys;
};

describe('the secrets corpus in every place (real fetch and node:http, real loopback server)', () => {
  let n = 0;
  for (const place of places) {
    it(`${place.name}: ${place.expect}, and no file holds the key`, async () => {
      const others = keysFor(place, 2);
      for (const [i, key] of keysFor(place, 1).entries()) {
        const runDir = join(dir, `run-${++n}`);
        const path = join(runDir, 'cassette.json');
        const options = { path, onWarning: () => undefined, ...(place.matchHeaders ? { matchHeaders: place.matchHeaders } : {}) };
        const outcome = await withCassette({ ...options, mode: 'auto' }, () => place.run(server, key.value)).then(
          (value) => ({ value }),
          (error: unknown) => ({ error }),
        );
        const leaked = [...(await filesContaining(runDir, key.needle).catch(() => [])), ...(await filesContaining(runDir, key.value).catch(() => []))];
        const shown = leaked.length === 0 ? '' : `:\n${await readFile(join(runDir, leaked[0]!), 'utf8')}`;
        expect(leaked, `${key.kind} in ${place.name}${shown}`).toEqual([]);
        if (place.expect === 'refused') {
          expect('error' in outcome, `${key.kind} in ${place.name} was written`).toBe(true);
          const error = (outcome as { error: ReplayError }).error;
          expect(error, `${key.kind} in ${place.name}`).toMatchObject({ reason: 'secret-detected', cassettePath: path });
          expect(error.message).not.toContain(key.needle);
          expect(error.message).toContain('scrub');
          expect(await listFiles(runDir).catch(() => [])).toEqual([]);
          continue;
        }
        if ('error' in outcome) throw outcome.error;
        // Redacted: it replays with another key of the same kind, and nothing goes live.
        const other = others[i]!;
        expect(other.kind).toBe(key.kind);
        const hits = server.hits();
        const replayed = await withCassette({ ...options, mode: 'replay' }, () => place.run(server, other.value));
        expect(server.hits(), `${key.kind} in ${place.name} replayed`).toBe(hits);
        // A response body's credential reaches the live client as the server sent it (DESIGN 11), and is
        // replayed redacted; everything else replays exactly.
        expect(replayed).toEqual(place.replayedAs ? place.replayedAs(outcome.value) : outcome.value);
        expect(JSON.stringify(replayed)).not.toContain(key.needle);
      }
      expect(await filesContaining(dir, 'sk-')).toEqual([]);
    });
  }

  it('a credential in a tool output under a credential name is stored redacted; the live call still gets it', async () => {
    const key = opaque(7);
    const path = join(dir, 'tool-output.json');
    const issue = tool('token.issue', () => ({ api_key: key, expires_in: 60 }));
    expect(await withCassette({ path, mode: 'auto' }, () => issue())).toEqual({ api_key: key, expires_in: 60 });
    expect(await withCassette({ path, mode: 'replay' }, () => issue())).toEqual({ api_key: REDACTED, expires_in: 60 });
    expect(await filesContaining(dir, key)).toEqual([]);
  });
});

describe('the credential-name rule through real requests (issue 13, item 2)', () => {
  const record = async (path: string, url: string) => withCassette({ path, mode: 'auto', onWarning: () => undefined }, async () => (await fetch(url)).json());
  const replay = async (path: string, url: string) =>
    withCassette({ path, mode: 'replay', onWarning: () => undefined }, async () => (await fetch(url)).json()).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );

  it.each(['keyword', 'pageToken', 'sort_key', 'tokenizer', 'monkey', 'max_tokens', 'next_token'])('?%s= matches by value: another value is a miss', async (name) => {
    reply = json({ page: 1 });
    const path = join(dir, `by-value-${name}.json`);
    await record(path, `${server.url}/search?${name}=cats`);
    expect(await readFile(path, 'utf8')).toContain('"cats"');
    expect(await replay(path, `${server.url}/search?${name}=cats`)).toEqual({ value: { page: 1 } });
    expect(await replay(path, `${server.url}/search?${name}=dogs`)).toMatchObject({ error: { reason: 'cassette-miss' } });
  });

  it.each(['api_key', 'access_token', 'client_secret', 'password', 'sig', 'X-Amz-Signature', 'auth', 'apiKey', 'refresh_token'])('?%s= is redacted and matches across different keys', async (name) => {
    reply = json({ page: 1 });
    const path = join(dir, `by-name-${name}.json`);
    const first = opaque(11);
    await record(path, `${server.url}/search?${name}=${first}&q=cats`);
    expect(await filesContaining(dir, first)).toEqual([]);
    expect(await replay(path, `${server.url}/search?${name}=${opaque(12)}&q=cats`)).toEqual({ value: { page: 1 } });
    expect(await replay(path, `${server.url}/search?${name}=${opaque(12)}&q=dogs`)).toMatchObject({ error: { reason: 'cassette-miss' } });
  });
});

describe('the scrub hook', () => {
  it('rewrites a response before it is stored (configure-level option, per test here)', async () => {
    const key = opaque(21);
    reply = json({ session: { handle: key, user: 'ana' } });
    const path = join(dir, 'scrub-http.json');
    const scrub = (value: unknown, { toolId }: { toolId: string }) => {
      if (!toolId.endsWith('/session')) return value;
      const stored = value as { body: { json: { session: { handle: string } } } };
      return { ...stored, body: { json: { session: { ...stored.body.json.session, handle: 'scrubbed' } } } };
    };
    // While recording the client reads what the server sent (DESIGN 11); the cassette holds the scrubbed form.
    const live = await withCassette({ path, mode: 'auto', scrub }, async () => (await fetch(`${server.url}/session`)).json());
    expect(live).toEqual({ session: { handle: key, user: 'ana' } });
    expect(await filesContaining(dir, key)).toEqual([]);
    const replayed = await withCassette({ path, mode: 'replay' }, async () => (await fetch(`${server.url}/session`)).json());
    expect(replayed).toEqual({ session: { handle: 'scrubbed', user: 'ana' } });
  });

  it("rewrites a tool's output before it is stored (tool option, then the withCassette one); the live call gets the original", async () => {
    const key = opaque(22);
    const path = join(dir, 'scrub-tool.json');
    const read = tool('vault.read', () => ({ note: `handle ${key}`, n: 1 }), { scrub: (out) => ({ ...(out as object), note: 'handle <scrubbed>' }) });
    const order: string[] = [];
    const live = await withCassette({ path, mode: 'auto', scrub: (value) => (order.push((value as { note: string }).note), value) }, () => read());
    expect(live).toEqual({ note: `handle ${key}`, n: 1 });
    expect(order).toEqual(['handle <scrubbed>']);
    expect(await filesContaining(dir, key)).toEqual([]);
    expect(await withCassette({ path, mode: 'replay' }, () => read())).toEqual({ note: 'handle <scrubbed>', n: 1 });
  });

  it('without it, an opaque secret under a harmless name is the documented limit: it is stored', async () => {
    const key = opaque(23);
    const path = join(dir, 'limit', 'c.json');
    await withCassette({ path, mode: 'auto' }, () => tool('vault.read', () => ({ note: key }))());
    expect(await filesContaining(join(dir, 'limit'), key)).toEqual(['c.json']);
  });
});

describe('ordinary values that look a little like keys still record (the false-positive corpus)', () => {
  it.each(ordinary(4).map((o) => [o.kind, o.value]))('%s records through fetch and tool(), byte for byte', async (kind, value) => {
    const path = join(dir, 'ordinary', `${kind.replace(/\W+/g, '-')}.json`);
    reply = json({ id: value, items: [{ note: value }] });
    const out = await withCassette({ path, mode: 'auto', onWarning: () => undefined }, async () => {
      const http = await (await fetch(`${server.url}/v1/items?cursor=${encodeURIComponent(value.slice(0, 200))}`)).json();
      const called = await tool('notes.get', (q: { ref: string }) => ({ text: q.ref }))({ ref: value });
      return { http, called };
    });
    expect(out).toEqual({ http: { id: value, items: [{ note: value }] }, called: { text: value } });
    expect(await readFile(path, 'utf8')).toContain(JSON.stringify(value).slice(1, -1));
  });
});
