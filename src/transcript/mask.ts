import { findSecrets } from '../redact.js';

/** What a credential in shown text becomes. */
export const MASKED = '[MASKED]';

// Text is split where a credential cannot continue (whitespace, quotes, JSON and URL punctuation, escapes
// such as `\n` or `%20` that glue a key to the word before it), and each piece the pre-write scan would
// refuse on disk is masked. The separators are kept, so the text reads the same around the mask.
const SEPARATOR = /(\\(?:u[0-9a-fA-F]{4}|.)|%[0-9A-Fa-f]{2}|[\s"'`,;(){}[\]<>=&?|]+)/;
const BEARER = /\b(Bearer\s+)(?!\[)[A-Za-z0-9._~+/=-]{12,}/gi;

/**
 * Masks every credential in text about to be printed or put in a report (DESIGN section 12): `show`,
 * `report` and `diff` print what a cassette holds, and a cassette written before a rule existed, or edited
 * by hand, may hold a key. All text the transcript renderers output goes through this one function.
 */
export function mask(text: string): string {
  if (findSecrets(text).length === 0) return text;
  const masked = text
    .split(SEPARATOR)
    .map((part, i) => (i % 2 === 1 || findSecrets(part).length === 0 ? part : MASKED))
    .join('')
    .replace(BEARER, `$1${MASKED}`);
  // A shape that spans separators: better the whole text hidden than a key shown.
  return findSecrets(masked).length === 0 ? masked : `${MASKED} (this text holds a credential)`;
}
