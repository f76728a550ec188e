// One bounded memo for pure answers that repeat: secret-name verdicts and redacted URL paths (a payload
// repeats the same few names, an API the same few paths), a test file's cassette folder, the version of
// an installed package. A key made of several strings is their JSON array (any character is safe).

/**
 * `judge`, remembering its answer per key. Bounded, so a stream of generated keys (ids as names) cannot
 * grow it without end.
 */
export function remembering<T>(judge: (key: string) => T, limit = 10_000): (key: string) => T {
  const known = new Map<string, T>();
  return (key) => {
    if (known.has(key)) return known.get(key) as T;
    if (known.size >= limit) known.clear();
    const answer = judge(key);
    known.set(key, answer);
    return answer;
  };
}
