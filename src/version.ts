/** tapedeck's version, written into every cassette's `meta.tapedeck` (kept equal to package.json by a test). */
export const VERSION = '0.1.0';
