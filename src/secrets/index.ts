// Secret handling (DESIGN section 12): which names are credentials (names.ts), which values look like
// one (shapes.ts, scan.ts), redaction before hashing and storing (redact.ts), masking of what is printed
// (mask.ts). One rule for all four.
export { REDACTED, DEFAULT_REDACTED_HEADERS, isCredentialName, isSecretName, nameWords, type NamePlace, type RedactOption } from './names.js';
export { SECRET_SHAPES, NOT_PORTED, type SecretShape } from './shapes.js';
export { assertNoSecrets } from './refuse.js';
export { findSecrets, secretKind, shapeMatches, withArticle, type SecretFinding } from './scan.js';
export { maskSecrets } from './mask.js';
export { redactForm, redactJsonText, redactMembers, redactMultipart, redactPath, redactRecord } from './redact.js';
