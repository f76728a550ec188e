import { request as httpsRequest, type RequestOptions } from 'node:https';
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate } from 'node:zlib';

/**
 * TLS options node:https takes, on a request or on its `https.Agent`: a private CA, a client
 * certificate (mTLS), pinning, protocol limits. `fetch` cannot carry them.
 */
const TLS_KEYS = [
  'ca',
  'cert',
  'key',
  'pfx',
  'passphrase',
  'rejectUnauthorized',
  'servername',
  'checkServerIdentity',
  'ciphers',
  'ecdhCurve',
  'sigalgs',
  'minVersion',
  'maxVersion',
  'secureProtocol',
  'secureOptions',
  'honorCipherOrder',
  'crl',
  'dhparam',
  'privateKeyEngine',
  'privateKeyIdentifier',
  'ALPNProtocols',
] as const;

/**
 * The `http.ClientRequest` behind an intercepted request (@mswjs/interceptors' `getRawRequest`). Found
 * by its symbol's description rather than through one copy's `getRawRequest`: a user's msw may have
 * brought its own copy of the interceptors, which made this Request.
 */
function rawClientRequest(request: Request): Record<string, unknown> | undefined {
  for (const symbol of Object.getOwnPropertySymbols(request)) {
    if (symbol.description !== 'kRawRequest') continue;
    const raw: unknown = Reflect.get(request, symbol);
    return raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>) : undefined;
  }
  return undefined;
}

const record = (value: unknown): Record<string, unknown> | undefined =>
  value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;

/**
 * The TLS options of an intercepted node:https request, its own and its agent's (the agent's win, as
 * in node's `Agent#addRequest`), or `undefined` for a request that has none (or did not come from
 * node:https). The interceptors put their own agent on the request and keep the user's as `customAgent`;
 * the request's own options are the socket's `connectionOptions`.
 */
export function clientTlsOptions(request: Request): Record<string, unknown> | undefined {
  if (!request.url.startsWith('https:')) return undefined;
  const raw = rawClientRequest(request);
  if (raw === undefined) return undefined;
  const socketOptions = record(record(raw.socket)?.connectionOptions);
  const agent = record(raw.agent);
  const userAgent = record(agent?.customAgent) ?? agent;
  const agentOptions = record(userAgent?.options);
  const tls: Record<string, unknown> = {};
  for (const source of [socketOptions, agentOptions]) {
    for (const key of TLS_KEYS) if (source?.[key] !== undefined) tls[key] = source[key];
  }
  return Object.keys(tls).length > 0 ? tls : undefined;
}

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);
const DECODERS: Record<string, (data: Buffer) => Promise<Buffer>> = {
  gzip: promisify(gunzip),
  'x-gzip': promisify(gunzip),
  deflate: promisify(inflate),
  br: promisify(brotliDecompress),
};

/**
 * Makes the live request of a recording over node:https with `tls`, as the client would have, and
 * returns it as a `Response` the way `fetch` would (body decoded, redirects not followed). The request
 * goes through the interceptors again, outside any cassette, so it reaches the network untouched.
 */
export async function fetchWithTls(request: Request, tls: Record<string, unknown>): Promise<Response> {
  const body = request.body === null ? undefined : Buffer.from(await request.arrayBuffer());
  const headers: Record<string, string | string[]> = {};
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const options: RequestOptions = { method: request.method, headers, agent: false, ...tls };
  return new Promise<Response>((resolve, reject) => {
    const req = httpsRequest(request.url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const responseHeaders = new Headers();
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) responseHeaders.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
        const status = res.statusCode ?? 0;
        const encodings = (res.headers['content-encoding'] ?? '').split(',').map((e) => e.trim().toLowerCase()).filter((e) => e !== '' && e !== 'identity');
        decode(Buffer.concat(chunks), encodings)
          .then((decoded) => {
            // Decoded here, as fetch does: the headers that described the encoded bytes no longer do.
            responseHeaders.delete('content-encoding');
            responseHeaders.delete('content-length');
            resolve(new Response(NULL_BODY_STATUSES.has(status) ? null : decoded, { status, statusText: res.statusMessage ?? '', headers: responseHeaders }));
          })
          .catch(reject);
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function decode(data: Buffer, encodings: readonly string[]): Promise<Buffer> {
  let out = data;
  // Applied in the order listed, so undone in reverse.
  for (const encoding of [...encodings].reverse()) {
    const decoder = DECODERS[encoding];
    if (decoder === undefined) throw new Error(`tapedeck: cannot decode a response with content-encoding ${encoding}`);
    out = await decoder(out);
  }
  return out;
}
