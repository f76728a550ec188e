// The OpenAI call every issue-17 variant makes: one `chat.completions.create` with a tool-calling
// conversation, answered with the same ~600-byte completion by the loopback server (live, recorded), a
// hand-written `fetch` mock, msw, or the bare interceptors floor.

/** The request body: what an agent's turn sends (a system prompt, a user turn, one tool). */
export const chatRequest = {
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system' as const, content: 'You are a weather assistant. Answer in one sentence.' },
    { role: 'user' as const, content: 'What is the weather in San Francisco?' },
  ],
  tools: [
    {
      type: 'function' as const,
      function: { name: 'get_weather', description: 'Current weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
    },
  ],
};

/** The completion the server (and every mock) answers with. */
export const chatCompletion = {
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [{ index: 0, message: { role: 'assistant', content: 'It is 62°F and sunny in San Francisco, with a light breeze from the west.', refusal: null }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 61, completion_tokens: 19, total_tokens: 80, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } },
  system_fingerprint: 'fp_bench',
};

export const chatCompletionText = JSON.stringify(chatCompletion);

/** The path the SDK posts to, under `baseURL = origin + '/v1'`. */
export const CHAT_PATH = '/v1/chat/completions';

/** Calls per scope when the seal's two arms alternate in one process (the `tapedeck-unsealed` variant). */
export const AB_BLOCK = 30;
