import type { TapedeckOptions } from '../config.js';

/** Routes HTTP made inside cassette scopes through the active cassette (msw). Returns the detach function. */
export async function attachHttp(_options: TapedeckOptions): Promise<(() => Promise<void>) | undefined> {
  return undefined;
}
