// The loopback "remote API" every HTTP variant talks to (live) or was recorded from (replay), and the
// payloads it serves. It runs in the bench's parent process, so children's timings never include it
// sharing their event loop.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CHAT_PATH, chatCompletionText } from './openai.js';

/** A small JSON answer (~120 bytes), a pure function of the city. */
export function weatherBody(city: string): { city: string; tempF: number; conditions: string; wind: { mph: number; dir: string } } {
  const sum = [...city].reduce((s, c) => s + c.charCodeAt(0), 0);
  return { city, tempF: 40 + (sum % 50), conditions: sum % 2 === 0 ? 'sunny' : 'overcast', wind: { mph: sum % 17, dir: 'NW' } };
}

/** The path of the n-th request of a variant. */
export const weatherPath = (i: number): string => `/weather?city=c${i}`;

/** 200 OpenAI-style streamed chunks, as `data:` payloads. */
export function sseEvents(count = 200): string[] {
  const words = 'The weather in San Francisco is 62 degrees and sunny with a light breeze from the west'.split(' ');
  const events = Array.from({ length: count - 1 }, (_, i) =>
    JSON.stringify({
      id: 'chatcmpl-bench',
      object: 'chat.completion.chunk',
      created: 1_700_000_000,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, delta: { content: `${words[i % words.length]} ` }, finish_reason: null }],
    }),
  );
  events.push('[DONE]');
  return events;
}

/** The wire form of an event list, as the server writes it (one `write` per event). */
export const renderSse = (data: string): string => `data: ${data}\n\n`;

/** A running loopback server that counts what it served. */
export interface BenchServer {
  port: number;
  origin: string;
  hits(): number;
  stop(): Promise<void>;
}

/** Starts the server on a free port of 127.0.0.1. */
export async function startBenchServer(): Promise<BenchServer> {
  let hits = 0;
  const events = sseEvents();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    hits++;
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/weather') {
      const text = JSON.stringify(weatherBody(url.searchParams.get('city') ?? ''));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    } else if (url.pathname === '/stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for (const data of events) res.write(renderSse(data));
      res.end();
    } else if (url.pathname === CHAT_PATH && req.method === 'POST') {
      // Read the whole body first, as a real API does (the SDK's request must complete before the answer).
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(chatCompletionText) });
        res.end(chatCompletionText);
      });
    } else {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":"not found"}');
    }
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    hits: () => hits,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
