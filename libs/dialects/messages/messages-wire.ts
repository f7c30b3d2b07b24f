/**
 * The Anthropic Messages API as clients send it to the gateway (`POST /v1/messages`,
 * anthropic-version 2023-06-01): only what the gateway reads or writes is named.
 */

export type TextBlock = { type: 'text'; text: string; [extra: string]: unknown };
export type ImageBlock = {
  type: 'image';
  source: { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };
  [extra: string]: unknown;
};
export type ToolUseBlock = { type: 'tool_use'; id: string; name: string; input: Record<string, unknown>; [extra: string]: unknown };
export type ToolResultBlock = {
  type: 'tool_result';
  tool_use_id: string;
  content?: string | Array<TextBlock | ImageBlock>;
  is_error?: boolean;
  [extra: string]: unknown;
};

export type RequestBlock = TextBlock | ImageBlock | ToolUseBlock | ToolResultBlock | { type: string; [extra: string]: unknown };

export type MessageParam = { role: 'user' | 'assistant'; content: string | RequestBlock[] };

export type Tool = { name: string; description?: string; input_schema: Record<string, unknown>; type?: string; [extra: string]: unknown };

export type ToolChoice =
  | { type: 'auto' | 'any' | 'none'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean };

export type MessagesRequest = {
  model: string;
  max_tokens: number;
  messages: MessageParam[];
  system?: string | TextBlock[];
  tools?: Tool[];
  tool_choice?: ToolChoice;
  stop_sequences?: string[];
  temperature?: number;
  top_p?: number;
  top_k?: number;
  metadata?: { user_id?: string | null };
  stream?: boolean;
  [extra: string]: unknown;
};

export type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'refusal';

export type MessagesUsage = {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
};

export type Message = {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: Array<TextBlock | ToolUseBlock>;
  stop_reason: StopReason | null;
  stop_sequence: string | null;
  usage: MessagesUsage;
};

/** One server-sent event of a streamed message: `type` is also the SSE event name. */
export type MessageStreamEvent = { type: string; [field: string]: unknown };
