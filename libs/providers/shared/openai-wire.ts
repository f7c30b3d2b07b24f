/**
 * The OpenAI wire format every provider type translates from and to. Only the fields the gateway
 * reads or writes are named; index signatures keep unknown fields (they pass through untouched).
 * Object types (not interfaces) so they fit `Record<string, unknown>` where the ports ask for it.
 */

export type ChatRole = 'system' | 'developer' | 'user' | 'assistant' | 'tool';

export type TextPart = {
  type: 'text';
  text: string;
};

export type ImagePart = {
  type: 'image_url';
  image_url: { url: string; detail?: 'auto' | 'low' | 'high' };
};

export type ContentPart = TextPart | ImagePart;

/**
 * Provider state a tool call must carry to its next turn, in the slot Google's own OpenAI
 * compatibility layer uses: Gemini's thought signature, and (the gateway's addition) the id
 * Gemini gave the call, so only Gemini's own ids go back to it. The openai SDK keeps unknown
 * tool-call fields, also when it accumulates a stream, so a client that echoes the assistant
 * message back echoes this too.
 */
export type ToolCallExtra = { google?: { thought_signature?: string; function_call_id?: string } };

export type ToolCall = {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
  extra_content?: ToolCallExtra;
};

export type ChatMessage = {
  role: ChatRole;
  content?: string | ContentPart[] | null;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
  [extra: string]: unknown;
};

export type ToolDefinition = {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean };
};

export type ToolChoice = 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; json_schema: { name: string; schema?: Record<string, unknown>; strict?: boolean; description?: string } };

export type ChatCompletionRequest = {
  model: string;
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  tool_choice?: ToolChoice;
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  stop?: string | string[];
  n?: number;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  logprobs?: boolean;
  top_logprobs?: number;
  response_format?: ResponseFormat;
  user?: string;
  seed?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  [extra: string]: unknown;
};

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call';

export type Usage = {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  [extra: string]: unknown;
};

export type AssistantMessage = {
  role: 'assistant';
  content: string | null;
  tool_calls?: ToolCall[];
  refusal?: string | null;
};

export type ChatCompletion = {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: AssistantMessage;
    finish_reason: FinishReason | null;
    logprobs?: unknown;
  }>;
  usage?: Usage;
  system_fingerprint?: string | null;
};

export type ToolCallDelta = {
  index: number;
  id?: string;
  type?: 'function';
  function: { name?: string; arguments?: string };
  extra_content?: ToolCallExtra;
};

export type ChunkDelta = {
  role?: 'assistant';
  content?: string | null;
  tool_calls?: ToolCallDelta[];
  refusal?: string | null;
};

export type ChunkChoice = {
  index: number;
  delta: ChunkDelta;
  finish_reason: FinishReason | null;
  logprobs?: unknown;
};

export type ChatCompletionChunk = {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: ChunkChoice[];
  usage?: Usage | null;
  system_fingerprint?: string | null;
};

export type CompletionRequest = {
  model: string;
  prompt: string | string[];
  max_tokens?: number;
  temperature?: number;
  stream?: boolean;
  stop?: string | string[];
  [extra: string]: unknown;
};

export type Completion = {
  id: string;
  object: 'text_completion';
  created: number;
  model: string;
  choices: Array<{ index: number; text: string; finish_reason: FinishReason | null; logprobs: unknown }>;
  usage?: Usage;
};

export type EmbeddingsRequest = {
  model: string;
  input: string | string[] | number[] | number[][];
  encoding_format?: 'float' | 'base64';
  dimensions?: number;
  user?: string;
  [extra: string]: unknown;
};

export type Embedding = {
  object: 'embedding';
  index: number;
  /** Floats, or their base64 form when the client asked for `encoding_format: base64`. */
  embedding: number[] | string;
};

export type EmbeddingsResponse = {
  object: 'list';
  data: Embedding[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
};

export type Model = {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
};

export type ModelList = {
  object: 'list';
  data: Model[];
};

export type OpenAiErrorBody = {
  error: {
    message: string;
    type: string;
    param: string | null;
    code: string | null;
  };
};
