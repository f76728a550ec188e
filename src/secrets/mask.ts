// Masking of everything tapedeck prints (DESIGN section 12): error messages (miss previews, nearest-call
// diffs, drift diffs), warnings and CLI output. What the pre-write scan would refuse on disk is masked,
// by the same catalogue and the same encodings, and so is a value printed under a credential name
// (`"apiKey":"…"`, `password=…`, `x-api-key: …`), by the same name rule as redaction.
import { isCredentialName, isPlaceholder } from './names.js';
import { replaceJsonMembers } from './redact.js';
import { blankEscapes, secretKind, shapeMatches } from './scan.js';

/** What a masked value is printed as. */
export const masked = (kind: string): string => `[masked: ${kind}]`;

// `name=value` in query strings and form bodies, up to the next separator.
const PAIR = /([?&\s;,({[]|^)([A-Za-z][\w.-]*)=([^&\s"'<>)]+)/g;
// `name: value` at the start of a line (headers as printed).
const HEADER = /^(\s*)([A-Za-z][\w-]*):[ \t]+(\S.*)$/gm;
// A token the encodings could hide a key in: anything between spaces, quotes and brackets.
const TOKEN = /[^\s"'`<>()[\]{},]{20,}/g;

/** Replaces every credential in `text` (by shape, encoded or not, and by name) with a placeholder. */
export function maskSecrets(text: string): string {
  let out = maskShapes(text);
  out = replaceJsonMembers(out, (name) => isCredentialName(name), masked('by name'));
  out = out.replace(PAIR, (all, before: string, name: string, value: string) => (isCredentialName(name) && !isPlaceholder(value) ? `${before}${name}=${masked('by name')}` : all));
  out = out.replace(HEADER, (all, indent: string, name: string, value: string) =>
    isCredentialName(name, 'header') && !isPlaceholder(value) ? `${indent}${name}: ${masked('by name')}` : all,
  );
  return out;
}

function maskShapes(text: string): string {
  // Shapes as written, and behind escapes: blanking keeps positions, so both mask in place.
  const spans = shapeMatches(text);
  if (text.includes('\\')) spans.push(...shapeMatches(blankEscapes(text)));
  // Percent-decoding shortens the text: each decoded character remembers where it came from.
  if (text.includes('%')) {
    const { decoded, start, end } = percentDecodeMapped(text);
    for (const span of [...shapeMatches(decoded), ...shapeMatches(blankEscapes(decoded))]) {
      spans.push({ kind: span.kind, start: start[span.start]!, end: end[span.end - 1]! });
    }
  }
  let out = replaceSpans(text, spans);
  // Encoded keys (percent, base64, escapes glued inside a token): the whole token is masked.
  out = out.replace(TOKEN, (token) => {
    if (token.startsWith('[masked')) return token;
    const kind = secretKind(token);
    return kind === undefined ? token : masked(kind);
  });
  return out;
}

/** Percent-decoded text (up to three rounds), with the source range of each decoded character. */
function percentDecodeMapped(text: string): { decoded: string; start: number[]; end: number[] } {
  let current = text;
  let start = Array.from({ length: text.length }, (_, i) => i);
  let end = Array.from({ length: text.length }, (_, i) => i + 1);
  for (let round = 0; round < 3 && /%[0-9A-Fa-f]{2}/.test(current); round++) {
    let next = '';
    const nextStart: number[] = [];
    const nextEnd: number[] = [];
    for (let i = 0; i < current.length; i++) {
      const hex = current[i] === '%' ? current.slice(i + 1, i + 3) : '';
      const encoded = /^[0-9A-Fa-f]{2}$/.test(hex);
      next += encoded ? String.fromCharCode(parseInt(hex, 16)) : current[i];
      nextStart.push(start[i]!);
      if (encoded) i += 2;
      nextEnd.push(end[i]!);
    }
    current = next;
    start = nextStart;
    end = nextEnd;
  }
  return { decoded: current, start, end };
}

function replaceSpans(text: string, spans: Array<{ kind: string; start: number; end: number }>): string {
  if (spans.length === 0) return text;
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let at = 0;
  for (const span of spans) {
    if (span.end <= at) continue;
    out += text.slice(at, Math.max(at, span.start)) + masked(span.kind);
    at = span.end;
  }
  return out + text.slice(at);
}
