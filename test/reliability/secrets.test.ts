// Secrets never reach disk. Keys of every common shape are placed everywhere a recording can carry them
// (request and response headers, query strings, URL paths, JSON bodies at any depth and as keys, text
// and binary bodies, SSE events, tool args, outputs and errors), through a real loopback server and the
// real fetch. Either tapedeck redacts the place (and replay still works with another key), or it refuses
// the write with `secret-detected` naming the file and the JSON path, and writes nothing. Afterwards the
// bytes of every file in the folder are searched for the key.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReplayError, REDACTED, ToolCallCassette, tool, withCassette } from '../../src/index.js';
import { startServer, type LoopbackServer } from '../helpers/server.js';
import { TIMEOUT, filesContaining, listFiles, note, removeDir, runs, tempDir } from './helpers.js';

const base64url = (text: string) => Buffer.from(text).toString('base64url');

/** Credential shapes, as their issuers format them. `needle` is what must never be on disk. */
const secretKind = fc.oneof(
  fc.stringMatching(/^sk-[A-Za-z0-9]{48}$/).map((s) => ({ kind: 'OpenAI', value: s, needle: s })),
  fc.stringMatching(/^sk-proj-[A-Za-z0-9_-]{40,80}$/).map((s) => ({ kind: 'OpenAI project', value: s, needle: s })),
  fc.stringMatching(/^sk-ant-api03-[A-Za-z0-9_-]{80,95}$/).map((s) => ({ kind: 'Anthropic', value: s, needle: s })),
  fc.stringMatching(/^(AKIA|ASIA)[0-9A-Z]{16}$/).map((s) => ({ kind: 'AWS', value: s, needle: s })),
  fc.stringMatching(/^ghp_[A-Za-z0-9]{36}$/).map((s) => ({ kind: 'GitHub', value: s, needle: s })),
  fc.stringMatching(/^github_pat_[A-Za-z0-9_]{82}$/).map((s) => ({ kind: 'GitHub fine-grained', value: s, needle: s })),
  fc.stringMatching(/^AIza[0-9A-Za-z_-]{35}$/).map((s) => ({ kind: 'Google', value: s, needle: s })),
  fc.stringMatching(/^xox[bpa]-[0-9]{10,13}-[0-9]{10,13}-[A-Za-z0-9]{24}$/).map((s) => ({ kind: 'Slack', value: s, needle: s })),
  fc
    .tuple(fc.record({ sub: fc.string({ minLength: 1, maxLength: 20 }), iat: fc.nat() }), fc.stringMatching(/^[A-Za-z0-9_-]{43}$/))
    .map(([payload, signature]) => {
      const jwt = `${base64url('{"alg":"HS256","typ":"JWT"}')}.${base64url(JSON.stringify(payload))}.${signature}`;
      return { kind: 'JWT', value: jwt, needle: jwt };
    }),
  fc.stringMatching(/^[A-Za-z0-9._~+/-]{24,60}$/).map((token) => ({ kind: 'bearer token', value: `Bearer ${token}`, needle: token })),
);

// What surrounds a key in real text: nothing, a space, `key=`, quotes, JSON, a URL, a line.
const delimiter = fc.constantFrom('', ' ', 'key=', 'token: ', '"', "'", '(', ',', '/', '\n', 'export OPENAI_API_KEY=', 'Authorization: ');
const tail = fc.constantFrom('', ' ', '"', "'", ')', ',', '/', '\n', '&x=1', ' and more text');

type Expect = 'redacted' | RegExp; // a RegExp is the JSON path `secret-detected` must name
interface Placement {
  name: string;
  expect: Expect;
  /** A bare token has no recognisable shape: only the places that say what it is can catch it. */
  shapedOnly?: boolean;
  /** Makes the recorded calls, with `text` (the key in context) in this placement. */
  run(server: LoopbackServer, text: string, secret: string): Promise<unknown>;
  /** For redacted placements: the response that replay must give back, with another key. */
  matchHeaders?: string[];
}

// The server's answer for the current run; set by each placement.
let answer: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end('{}');

const json = (res: ServerResponse, body: unknown, headers: Record<string, string | string[]> = {}) => {
  res.writeHead(200, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};
const nest = (depth: number, leaf: unknown): unknown => (depth === 0 ? leaf : depth % 2 ? { level: depth, inner: nest(depth - 1, leaf) } : [nest(depth - 1, leaf)]);
const nestedPath = (depth: number): string => (depth === 0 ? '' : depth % 2 ? `.inner${nestedPath(depth - 1)}` : `[0]${nestedPath(depth - 1)}`);

function placements(depth: number): Placement[] {
  return [
    {
      name: 'authorization request header, matched',
      expect: 'redacted',
      matchHeaders: ['authorization', 'x-api-key'],
      run: async (s, text, secret) => {
        answer = (_req, res) => json(res, { ok: true });
        return (await fetch(`${s.url}/v1/models`, { headers: { authorization: `Bearer ${secret.replace(/^Bearer /, '')}`, 'x-api-key': text.replace(/\n/g, ' ') } })).json();
      },
    },
    {
      name: 'custom request header, not matched',
      expect: 'redacted',
      run: async (s, text) => {
        answer = (_req, res) => json(res, { ok: true });
        return (await fetch(`${s.url}/v1/models`, { headers: { 'x-custom-auth': text.replace(/\n/g, ' ') } })).json();
      },
    },
    {
      name: 'request header matched under a harmless name',
      expect: /^\$\.entries\[0\]\.args\.headers\["x-trace"\]$/,
      matchHeaders: ['x-trace'],
      run: async (s, text) => {
        answer = (_req, res) => json(res, { ok: true });
        return (await fetch(`${s.url}/v1/models`, { headers: { 'x-trace': text.replace(/\n/g, ' ') } })).json();
      },
    },
    {
      name: 'response headers under secret names, and cookies',
      expect: 'redacted',
      run: async (s, text, secret) => {
        answer = (_req, res) => json(res, { ok: true }, { 'x-api-key': secret, 'set-cookie': [`session=${secret}; HttpOnly`, `other=${secret}`] });
        const response = await fetch(`${s.url}/login`);
        return { key: response.headers.get('x-api-key'), body: await response.json() };
      },
    },
    {
      name: 'response header under a harmless name',
      expect: /^\$\.entries\[0\]\.result\.value\.headers\["x-debug"\]$/,
      run: async (s, text) => {
        answer = (_req, res) => json(res, { ok: true }, { 'x-debug': text.replace(/\n/g, ' ') });
        return (await fetch(`${s.url}/debug`)).json();
      },
    },
    {
      name: 'query parameter under a secret name',
      expect: 'redacted',
      run: async (s, text) => {
        answer = (_req, res) => json(res, { ok: true });
        return (await fetch(`${s.url}/search?api_key=${encodeURIComponent(text)}&access_token=${encodeURIComponent(text)}&q=cats`)).json();
      },
    },
    {
      name: 'query parameter under a harmless name',
      expect: /^\$\.entries\[0\]\.args\.query\.q$/,
      run: async (s, text) => {
        answer = (_req, res) => json(res, { ok: true });
        return (await fetch(`${s.url}/search?q=${encodeURIComponent(text)}`)).json();
      },
    },
    {
      name: 'URL path',
      expect: 'redacted',
      shapedOnly: true,
      run: async (s, _text, secret) => {
        answer = (_req, res) => json(res, { ok: true });
        return (await fetch(`${s.url}/v1/keys/${encodeURIComponent(secret.replace(/^Bearer /, ''))}`)).json();
      },
    },
    {
      name: `request JSON body, ${depth} levels deep`,
      expect: new RegExp(`^\\$\\.entries\\[0\\]\\.args\\.body\\.payload${nestedPath(depth).replace(/[.[\]]/g, '\\$&')}$`),
      run: async (s, text) => {
        answer = (_req, res) => json(res, { ok: true });
        return (await fetch(`${s.url}/v1/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ payload: nest(depth, text) }) })).json();
      },
    },
    {
      name: 'response JSON body, as an object key',
      expect: /^\$\.entries\[0\]\.result\.value\.body\.json\.keys/,
      run: async (s, text) => {
        answer = (_req, res) => json(res, { keys: { [text]: true } });
        return (await fetch(`${s.url}/v1/keys`)).json();
      },
    },
    {
      name: `response JSON body, ${depth} levels deep`,
      expect: new RegExp(`^\\$\\.entries\\[0\\]\\.result\\.value\\.body\\.json\\.payload${nestedPath(depth).replace(/[.[\]]/g, '\\$&')}$`),
      run: async (s, text) => {
        answer = (_req, res) => json(res, { payload: nest(depth, text) });
        return (await fetch(`${s.url}/v1/echo`)).json();
      },
    },
    {
      name: 'text response body',
      expect: /^\$\.entries\[0\]\.result\.value\.body\.text$/,
      run: async (s, text) => {
        answer = (_req, res) => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end(`config:\n${text}\n`);
        };
        return (await fetch(`${s.url}/config`)).text();
      },
    },
    {
      name: 'binary response body (stored as base64)',
      expect: /^\$\.entries\[0\]\.result\.value\.body\.base64$/,
      run: async (s, text) => {
        answer = (_req, res) => {
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          res.end(Buffer.concat([Buffer.from([0x08, 0xff, 0x00, 0x12]), Buffer.from(text), Buffer.from([0xfe, 0x00])]));
        };
        return Buffer.from(await (await fetch(`${s.url}/blob`)).arrayBuffer()).toString('hex');
      },
    },
    {
      name: 'an SSE event',
      expect: /^\$\.entries\[0\]\.result\.value\.body\.sse\[1\]\.data$/,
      run: async (s, text) => {
        answer = (_req, res) => {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          for (const delta of ['Your ', text, ' ok']) res.write(`data: ${JSON.stringify({ delta })}\n\n`);
          res.end('data: [DONE]\n\n');
        };
        return (await fetch(`${s.url}/v1/stream`)).text();
      },
    },
    {
      name: 'tool args under a credential name',
      expect: 'redacted',
      run: async (_s, text) => tool('crm.lookup', (_q: { auth: string }) => ({ found: 1 }))({ auth: text }),
    },
    {
      name: `tool output, ${depth} levels deep`,
      expect: new RegExp(`^\\$\\.entries\\[0\\]\\.result\\.value\\.config${nestedPath(depth).replace(/[.[\]]/g, '\\$&')}$`),
      run: async (_s, text) => tool('settings.read', () => ({ config: nest(depth, text) }))(),
    },
    {
      name: 'a tool error message',
      expect: /^\$\.entries\[0\]\.result\.error\.message$/,
      run: async (_s, text) =>
        tool('key.check', (): unknown => {
          throw new Error(`invalid key ${text}`);
        })().catch((error: Error) => error.message.length),
    },
  ];
}

let server: LoopbackServer;
let dir: string;
beforeAll(async () => {
  server = await startServer((req, res) => answer(req, res));
  dir = await tempDir('secrets');
});
afterAll(async () => {
  await server.close();
  await removeDir(dir);
});

describe('secrets (fast-check, real loopback server, real fetch)', () => {
  it('never reach disk: redacted where tapedeck knows the field, refused with secret-detected everywhere else', { timeout: TIMEOUT }, async () => {
    const numRuns = runs(150);
    const tally = new Map<string, { redacted: number; refused: number }>();
    const needles = new Set<string>();
    let n = 0;
    const depth = fc.integer({ min: 0, max: 6 });
    await fc.assert(
      fc.asyncProperty(secretKind, delimiter, tail, depth, fc.nat(), async (secret, before, after, levels, pick) => {
        const all = placements(levels).filter((p) => !(p.shapedOnly && secret.kind === 'bearer token'));
        const placement = all[pick % all.length]!;
        const text = `${before}${secret.value}${after}`;
        const path = join(dir, `run-${++n}`, 'cassette.json');
        const options = { path, mode: 'auto' as const, onWarning: () => undefined, ...(placement.matchHeaders ? { matchHeaders: placement.matchHeaders } : {}) };
        const outcome = await withCassette(options, () => placement.run(server, text, secret.value)).then(
          (value) => ({ value }),
          (error: unknown) => ({ error }),
        );
        const counts = tally.get(placement.name) ?? { redacted: 0, refused: 0 };
        tally.set(placement.name, counts);

        // Whatever happened, the key is in no file: cassette, temp file, lock, unused-entries note.
        needles.add(secret.needle);
        const runDir = join(dir, `run-${n}`);
        const leaked = await filesContaining(runDir, secret.needle).catch(() => []);
        const shown = leaked.length === 0 ? '' : `:\n${await readFile(join(runDir, leaked[0]!), 'utf8')}`;
        expect(leaked, `${secret.kind} in ${placement.name}${shown}`).toEqual([]);

        if (placement.expect === 'redacted') {
          if ('error' in outcome) throw outcome.error;
          counts.redacted++;
          expect(await listFiles(join(dir, `run-${n}`))).toContain('cassette.json');
          // The placeholders replay: another key, the same recorded answer, and nothing goes live.
          const other = secret.value.replace(/[A-Za-z0-9]$/, (c) => (c === 'Z' ? 'Y' : 'Z'));
          const hits = server.hits();
          const replayed = await withCassette({ ...options, mode: 'replay' }, () => placement.run(server, `${before}${other}${after}`, other));
          expect(server.hits()).toBe(hits);
          const expected = (outcome.value as { key?: string } | undefined)?.key === undefined ? outcome.value : { ...(outcome.value as object), key: REDACTED };
          expect(replayed).toEqual(expected);
        } else {
          expect('error' in outcome, `${secret.kind} in ${placement.name} was written`).toBe(true);
          const error = (outcome as { error: unknown }).error;
          expect(error).toBeInstanceOf(ReplayError);
          expect(error).toMatchObject({ reason: 'secret-detected', cassettePath: path });
          expect((error as ReplayError).jsonPath).toMatch(placement.expect);
          expect((error as ReplayError).message).toContain(path);
          // The refusal itself must not print the key (it ends up in CI logs).
          expect((error as ReplayError).message).not.toContain(secret.needle);
          expect(await listFiles(join(dir, `run-${n}`)).catch(() => [])).toEqual([]);
          counts.refused++;
        }
      }),
      { numRuns },
    );
    // And none of them anywhere in the whole folder, replays included.
    const files = await listFiles(dir);
    const contents = await Promise.all(files.map((f) => readFile(join(dir, f), 'latin1')));
    for (const needle of needles) expect(contents.filter((c) => c.includes(needle))).toEqual([]);
    note(`secrets: ${numRuns} keys (OpenAI, Anthropic, AWS, GitHub, Google, Slack, JWT, bearer) placed at random; none on disk. ` +
      [...tally].map(([name, c]) => `${name}: ${c.redacted ? `${c.redacted} redacted` : `${c.refused} refused`}`).join('; '));
  });

  it('every placement is exercised with every kind of key at least once', async () => {
    // The random run above may skip a pair; this one walks all of them with one sample of each kind.
    const kinds = fc.sample(secretKind, { numRuns: 200, seed: 42 });
    const byKind = new Map(kinds.map((k) => [k.kind, k]));
    expect(byKind.size).toBe(10);
    let n = 0;
    for (const placement of placements(3)) {
      for (const secret of byKind.values()) {
        if (placement.shapedOnly && secret.kind === 'bearer token') continue;
        const path = join(dir, `all-${++n}`, 'cassette.json');
        const text = ` ${secret.value}\n`;
        const result = await withCassette(
          { path, mode: 'auto', onWarning: () => undefined, ...(placement.matchHeaders ? { matchHeaders: placement.matchHeaders } : {}) },
          () => placement.run(server, text, secret.value),
        ).then(
          () => 'redacted' as const,
          (error: unknown) => error,
        );
        if (placement.expect === 'redacted') expect(result, `${secret.kind} in ${placement.name}`).toBe('redacted');
        else expect(result, `${secret.kind} in ${placement.name}`).toMatchObject({ reason: 'secret-detected', jsonPath: expect.stringMatching(placement.expect) });
      }
    }
    expect(await filesContaining(dir, 'sk-')).toEqual([]);
    for (const secret of byKind.values()) expect(await filesContaining(dir, secret.needle), secret.kind).toEqual([]);
  });

  it('a key glued to an escape (JSON inside a string, a percent-encoded URL) is still found', async () => {
    const keys = ['sk-proj-abcdefghijklmnopqrstuvwxyz012345', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'AKIAABCDEFGHIJKLMNOP', 'AIzaSyA-abcdefghijklmnopqrstuvwxyz01234', 'xoxb-1234567890-abcdefghij'];
    const contexts = (key: string) => [`{"delta":"Here:\\n${key}"}`, `\\t${key}`, `\\u0020${key}`, `\\"${key}\\"`, `/v1/keys/%20${key}`, `a%0A${key}`];
    let n = 0;
    for (const key of keys) {
      for (const text of contexts(key)) {
        const path = join(dir, `escaped-${++n}.json`);
        const c = new ToolCallCassette();
        c.record({ toolId: 'llm.stream', args: [n], output: { data: text } });
        await expect(c.save(path), text).rejects.toMatchObject({ reason: 'secret-detected', jsonPath: '$.entries[0].result.value.data' });
      }
    }
    // Nothing reached disk: no file of this test, and no file anywhere holding one of the keys.
    expect((await listFiles(dir)).filter((f) => f.startsWith('escaped-'))).toEqual([]);
    for (const key of keys) expect(await filesContaining(dir, key), key).toEqual([]);
  });
});
