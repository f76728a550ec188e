// Coming from nock.back('fixture.json') or Polly.js: withCassette is the same record-once, replay-forever
// loop, with the cassette named after the test and the Authorization header never written to disk.
import { expect, test } from 'vitest';
import { withCassette } from 'tapedeck/vitest';
import { openIssue, topRepos } from './github-client.js';

test(
  'lists the most starred repositories',
  withCassette(async () => {
    expect(await topRepos('tapedeck')).toEqual([
      { name: 'tapedeck', stars: 1200 },
      { name: 'cassettes', stars: 310 },
    ]);
  }),
);

test(
  'opens an issue',
  withCassette(async () => {
    expect(await openIssue('tapedeck/tapedeck', 'Replay is fast')).toBe(42);
  }),
);
