import { maskSecrets } from '../secrets/index.js';

/**
 * Masks every credential in text about to be printed or put in a report (DESIGN section 12): `show`,
 * `report` and `diff` print what a cassette holds, and a cassette written before a rule existed, or edited
 * by hand, may hold a key. All text the transcript renderers output goes through this one function, which
 * is the rule every other message of tapedeck is masked by (src/secrets).
 */
export function mask(text: string): string {
  return maskSecrets(text);
}
