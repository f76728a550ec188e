// Experiment (issue 6), second half: do a user's msw handlers keep working when tapedeck answers from its
// own @mswjs/interceptors listener (bench/interceptors-direct.ts) instead of an msw handler? Runs both
// orders of set-up against a tapedeck cassette and reports who answered each request and what msw said.
// Usage: node --import tsx bench/interceptors-coexist.ts '{"origin": "...", "cassette": "<1,000-entry file>"}'
import { input, reply } from './lib/child.js';

export interface CoexistResult {
  order: 'msw first' | 'tapedeck first';
  /** A request the user's msw handler is for, made inside a cassette scope: what came back. */
  userHandlerInsideCassette: string;
  /** The same request outside any cassette. */
  userHandlerOutsideCassette: string;
  /** A recorded request inside the cassette scope. */
  tapedRequest: string;
  /** What msw printed (onUnhandledRequest: 'warn', its default) while this ran. */
  mswWarnings: number;
}

const { origin, cassette } = input<{ origin: string; cassette: string }>();
const { http, HttpResponse } = await import('msw');
const { setupServer } = await import('msw/node');
const { installDirect } = await import('./interceptors-direct.js');
const { withCassette } = await import('../src/index.js');

const describe = async (url: string): Promise<string> => {
  try {
    const response = await fetch(url);
    return `${response.status} ${(await response.text()).slice(0, 60)}`;
  } catch (error) {
    return `network error (${(error as Error).message})`;
  }
};

const results: CoexistResult[] = [];
for (const order of ['msw first', 'tapedeck first'] as const) {
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => void warnings.push(args.join(' '));
  const user = setupServer(http.get('https://user.example/profile', () => HttpResponse.json({ from: 'user msw handler' })));
  let release: () => Promise<void>;
  if (order === 'msw first') {
    user.listen(); // default onUnhandledRequest: 'warn'
    release = await installDirect();
  } else {
    release = await installDirect();
    user.listen();
  }
  const result: CoexistResult = { order, userHandlerInsideCassette: '', userHandlerOutsideCassette: '', tapedRequest: '', mswWarnings: 0 };
  await withCassette({ path: cassette, mode: 'replay', http: false, onWarning: () => undefined }, async () => {
    result.userHandlerInsideCassette = await describe('https://user.example/profile');
    result.tapedRequest = await describe(`${origin}/weather?city=c0`);
  }).catch(() => undefined); // a miss fails the scope at its end; what each request got is recorded above
  result.userHandlerOutsideCassette = await describe('https://user.example/profile');
  user.close();
  await release();
  console.warn = warn;
  result.mswWarnings = warnings.filter((w) => w.includes('[MSW]')).length;
  results.push(result);
}
reply({ results });
