// A cassette read as a conversation: the one model `tapedeck show`, `report`, `diff` and the verify
// verdicts all render (STYLE: "Reading a cassette as a conversation is one model").
import type { UsageByModel } from '../usage.js';

/** Who says a message. `tool` carries a tool's result back to the model. */
export type Role = 'system' | 'user' | 'assistant' | 'tool';

/** A call the model asks for: its name and its (parsed) arguments. */
export interface ToolCall {
  /** The provider's id for the call (`call_…`, `toolu_…`): volatile, shown only where it links a result. */
  id?: string;
  name: string;
  /** Parsed from JSON when the provider sends a string; the raw string when it is not JSON. */
  args: unknown;
}

/** A tool result handed back to the model. */
export interface ToolResult {
  id?: string;
  name?: string;
  content: unknown;
  isError?: boolean;
}

/** One message of a conversation, whatever the provider's wire format. */
export interface Message {
  role: Role;
  text?: string;
  toolCalls?: ToolCall[];
  toolResult?: ToolResult;
}

/** What the model answered: its text and tool calls, reassembled from a stream when it streamed. */
export interface Answer {
  text: string;
  toolCalls: ToolCall[];
  /** `stop`, `tool_calls`, `end_turn`, `tool_use`, `STOP`, `completed`…, as the provider says it. */
  finishReason?: string;
}

/** The wire formats read as LLM exchanges. AI SDK traffic goes through one of them. */
export type LlmApi = 'openai-chat' | 'openai-responses' | 'anthropic-messages' | 'gemini';

/** An LLM request and its answer. */
export interface LlmStep {
  kind: 'llm';
  /** The entry's position in the cassette. */
  index: number;
  toolId: string;
  api: LlmApi;
  method: string;
  url: string;
  /** The model that answered (the dated version the provider resolved), else the one asked for. */
  model?: string;
  stream: boolean;
  /** Streamed: how many events carried the answer. */
  events?: number;
  /** Every message the request sent, in order (the system prompt first). */
  request: Message[];
  /** How many leading `request` messages repeat the previous exchange (shown once, not every turn). */
  repeated: number;
  answer?: Answer;
  status?: number;
  tokens?: { input: number; output: number };
  /** Streamed: milliseconds from the response head to its last event, as recorded. */
  latencyMs?: number;
  /** The call failed: a recorded network error, or an error status with the provider's message. */
  error?: string;
}

/** A `tool()` call. */
export interface ToolStep {
  kind: 'tool';
  index: number;
  toolId: string;
  args: unknown;
  ok: boolean;
  result?: unknown;
  error?: string;
}

/** An MCP request (toolIds `mcp:<server> …`). */
export interface McpStep {
  kind: 'mcp';
  index: number;
  toolId: string;
  server: string;
  /** The rest of the toolId: the JSON-RPC method and, for `tools/call`, the tool. */
  operation: string;
  args: unknown;
  ok: boolean;
  result?: unknown;
  error?: string;
}

/** HTTP that is not an LLM exchange: shown as method, URL, status and a short body. */
export interface HttpStep {
  kind: 'http';
  index: number;
  toolId: string;
  method: string;
  url: string;
  status?: number;
  /** The response body, shortened. */
  body?: string;
  error?: string;
}

/** One recorded call, read. */
export type Step = LlmStep | ToolStep | McpStep | HttpStep;

/** A cassette read as a conversation. */
export interface Transcript {
  /** The cassette file as displayed (relative to the working folder). */
  file: string;
  /** The test's name, from the file name (`describe › test`). */
  test: string;
  recordedAt?: string;
  steps: Step[];
  /** `tool()` ids, MCP tools and the tools the model called, sorted. */
  tools: string[];
  /** Models that answered, sorted. */
  models: string[];
  /** Tokens per model over the cassette's LLM responses. */
  usage: UsageByModel;
}
