import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStats, withCassette, type ReplayError } from '../../src/index.js';
import { emptyStats, formatSummary, statsSince } from '../../src/report.js';
import { driftVerdict } from '../../src/transcript/verdict.js';
import type { FakeChange } from '../helpers/agent-fakes.js';
import { agents } from '../helpers/agents.js';
import type { LoopbackServer } from '../helpers/server.js';

// Each agent is recorded once, then verified against a fake that changes one thing at a time.
const quiet = { onWarning: () => undefined } as const;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tapedeck-verdict-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe.each(Object.entries(agents))('RECORD=verify verdicts: %s', (name, agent) => {
  let change: FakeChange = {};
  let server: LoopbackServer;
  const path = () => join(dir, `${name.replace(/\W+/g, '-')}.json`);
  const run = (mode: 'record' | 'verify') => withCassette({ path: path(), mode, ...quiet }, () => agent.run(server.url));
  const drift = async (): Promise<ReplayError> => {
    const error = (await run('verify').then(
      () => undefined,
      (e: unknown) => e,
    )) as ReplayError | undefined;
    expect(error?.reason).toBe('drift');
    return error!;
  };
  beforeAll(async () => {
    server = await agent.start(() => change);
    await run('record');
  });
  afterAll(() => server.close());

  it('same meaning: new response ids and timestamps pass, and are counted', async () => {
    change = {};
    const before = runStats();
    await expect(run('verify')).resolves.toBeDefined();
    expect(statsSince(before)).toMatchObject({ drift: 2, driftSame: 2, driftAnswer: 0, driftBehaviour: 0 });
  });

  it('same meaning: the answer streamed in other chunks passes', async () => {
    change = { pieces: 5 };
    const before = runStats();
    await expect(run('verify')).resolves.toBeDefined();
    expect(statsSince(before).driftAnswer).toBe(0);
  });

  it('changed answer: other text fails, naming it', async () => {
    change = { text: 'It is 70°F and sunny in SFO.' };
    const before = runStats();
    const error = await drift();
    expect(error.message).toContain('drift: changed answer: ');
    expect(error.message).toContain('changed answer: answer: "It is 62°F and foggy in SFO." -> "It is 70°F and sunny in SFO."');
    expect(statsSince(before)).toMatchObject({ drift: 2, driftSame: 1, driftAnswer: 1, driftBehaviour: 0 });
  });

  it('changed behaviour: other tool arguments fail, naming the call', async () => {
    change = { city: 'NYC' };
    const error = await drift();
    expect(error.message).toContain('drift: changed behaviour: ');
    expect(error.message).toContain('changed behaviour: tool call get_weather args: {"city":"SFO"} -> {"city":"NYC"}');
  });

  it('changed behaviour: another HTTP status fails', async () => {
    change = { status: 529 };
    const error = await drift();
    expect(error.message).toContain('changed behaviour: status: 200 -> 529');
  });
});

describe('driftVerdict', () => {
  it('is counted in the run summary line by verdict', () => {
    expect(formatSummary({ ...emptyStats(), cassettes: 1, live: 3, drift: 3, driftSame: 2, driftBehaviour: 1 })).toBe(
      'tapedeck: 1 cassette, 0 replayed, 0 recorded, 3 live, 0 misses, 3 drift (1 changed behaviour, 2 same meaning), 0 unused, 0 written',
    );
  });
  const call = { toolId: 'http:POST https://api.openai.com/v1/chat/completions', args: { query: {}, body: { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] } } };
  const answer = (message: object, finish = 'stop') => ({ ok: true as const, value: { status: 200, body: { json: { id: `chatcmpl-${Math.random()}`, created: Date.now(), model: 'gpt-4o', choices: [{ index: 0, message, finish_reason: finish }] } } } });
  it('classes a finish reason that changed as behaviour', () => {
    expect(driftVerdict(call, answer({ role: 'assistant', content: 'Hi' }), answer({ role: 'assistant', content: 'Hi' }, 'length'))).toEqual({
      verdict: 'changed behaviour',
      reasons: ['finish reason: stop -> length'],
    });
  });
  it('classes a tool that now fails as behaviour, and another error message as an answer', () => {
    const tool = { toolId: 'weather.get', args: [{ city: 'SFO' }] };
    const failed = (message: string) => ({ ok: false as const, error: { name: 'Error', message } });
    expect(driftVerdict(tool, { ok: true, value: { temp_f: 62 } }, failed('down')).verdict).toBe('changed behaviour');
    expect(driftVerdict(tool, failed('down'), failed('timeout'))).toEqual({ verdict: 'changed answer', reasons: ['result.error.message: "down" -> "timeout"'] });
    expect(driftVerdict(tool, { ok: true, value: { id: 'call_1', temp_f: 62 } }, { ok: true, value: { id: 'call_2', temp_f: 62 } })).toEqual({ verdict: 'same meaning', reasons: [] });
  });
  it('classes an MCP result that became an error as behaviour', () => {
    const mcp = { toolId: 'mcp:weather tools/call get_forecast', args: { name: 'get_forecast', arguments: {} } };
    const result = (isError: boolean) => ({ ok: true as const, value: { content: [{ type: 'text', text: 'x' }], isError } });
    expect(driftVerdict(mcp, result(false), result(true)).verdict).toBe('changed behaviour');
  });
});
