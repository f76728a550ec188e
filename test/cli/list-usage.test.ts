import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ToolCallCassette } from '../../src/cassette.js';
import { withCassette } from '../../src/index.js';
import { startAnthropicFake, startOpenAIFake } from '../helpers/llm-fakes.js';
import type { LoopbackServer } from '../helpers/server.js';
import { run, saveCassette, tempDir, writeJson } from './helpers.js';

const folder = join('test', '__cassettes__', 'agent.test.ts');
const quiet = { onWarning: () => undefined } as const;

describe('tapedeck list --usage', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let servers: LoopbackServer[] = [];
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(async () => {
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
    await cleanup();
  });

  it('totals the tokens of cassettes recorded from the real SDKs, per model, streamed and not', async () => {
    const [openaiFake, anthropicFake] = (servers = await Promise.all([startOpenAIFake(), startAnthropicFake()]));
    await withCassette({ path: join(dir, folder, 'openai.json'), mode: 'record', ...quiet }, async () => {
      const openai = new OpenAI({ apiKey: 'sk-test', baseURL: `${openaiFake!.url}/v1`, maxRetries: 0 });
      await openai.chat.completions.create({ model: 'gpt-fake', messages: [{ role: 'user', content: 'hi' }] });
      const stream = await openai.chat.completions.create({ model: 'gpt-fake', messages: [{ role: 'user', content: 'q' }], stream: true, stream_options: { include_usage: true } });
      for await (const _chunk of stream); // read to the end, as an agent would
    });
    await withCassette({ path: join(dir, folder, 'anthropic.json'), mode: 'record', ...quiet }, async () => {
      const anthropic = new Anthropic({ apiKey: 'sk-ant-test', baseURL: anthropicFake!.url, maxRetries: 0 });
      await anthropic.messages.create({ model: 'claude-fake', max_tokens: 64, messages: [{ role: 'user', content: 'hello' }] });
      await anthropic.messages.stream({ model: 'claude-fake', max_tokens: 64, messages: [{ role: 'user', content: 'hello' }] }).finalMessage();
    });
    // A cassette of tools only, whose output looks like usage: not an HTTP response, so not counted.
    const tools = new ToolCallCassette();
    tools.record({ toolId: 'llm.summary', args: ['x'], output: { model: 'gpt-fake', usage: { prompt_tokens: 1000, completion_tokens: 1000 } } });
    await saveCassette(join(dir, folder, 'tools.json'), tools);

    const result = await run(['list', '--usage'], dir);
    expect(result.code).toBe(0);
    expect(result.lines).toEqual([
      'MODEL        CALLS  INPUT  OUTPUT',
      'claude-fake      2     24       7',
      'gpt-fake         2     18      11',
      'total            4     42      18',
      '4 responses with token usage in 2 of 3 cassettes',
    ]);
  });

  it('prints totals with --json, and ignores recorded errors and cassettes that do not load', async () => {
    const big = new ToolCallCassette();
    const response = (usage: object) => ({ status: 200, statusText: 'OK', headers: {}, body: { json: { model: 'gpt-4o', usage } } });
    big.record({ toolId: 'http:POST https://api.openai.com/v1/chat/completions', args: { query: {}, body: { n: 1 } }, output: response({ prompt_tokens: 1200, completion_tokens: 500 }) });
    big.record({ toolId: 'http:POST https://api.openai.com/v1/chat/completions', args: { query: {}, body: { n: 2 } }, output: response({ prompt_tokens: 34, completion_tokens: 67 }) });
    big.recordError({ toolId: 'http:POST https://api.openai.com/v1/chat/completions', args: { query: {}, body: { n: 3 } }, error: new TypeError('fetch failed') });
    await saveCassette(join(dir, folder, 'big.json'), big);
    await writeJson(join(dir, folder, 'broken.json'), '{');

    const text = await run(['list', '--usage'], dir);
    expect(text.lines).toEqual([
      'MODEL   CALLS  INPUT  OUTPUT',
      'gpt-4o      2  1,234     567',
      'total       2  1,234     567',
      '2 responses with token usage in 1 of 1 cassette, 1 invalid (run tapedeck check)',
    ]);
    const json = await run(['list', '--usage', '--json'], dir);
    expect(JSON.parse(json.out)).toEqual({
      models: { 'gpt-4o': { calls: 2, input: 1234, output: 567 } },
      total: { calls: 2, input: 1234, output: 567 },
      cassettes: 1,
      withUsage: 1,
      invalid: 1,
    });
  });

  it('says so when no response reports usage', async () => {
    expect((await run(['list', '--usage'], dir)).lines).toEqual(['0 responses with token usage in 0 of 0 cassettes']);
  });
});
