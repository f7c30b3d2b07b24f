/**
 * The OpenAI Responses API wire format, as far as the gateway reads or writes it. Index
 * signatures keep what is not named (it is ignored, never an error: clients add fields first).
 */

export type InputContentPart =
  | { type: 'input_text'; text: string; [extra: string]: unknown }
  | { type: 'input_image'; image_url?: string; file_id?: string; detail?: 'auto' | 'low' | 'high'; [extra: string]: unknown }
  | { type: 'output_text'; text: string; [extra: string]: unknown }
  | { type: 'refusal'; refusal: string; [extra: string]: unknown }
  | { type: string; [extra: string]: unknown };

export type MessageItem = {
  type?: 'message';
  id?: string;
  role: 'user' | 'assistant' | 'system' | 'developer';
  content: string | InputContentPart[];
  status?: string;
  [extra: string]: unknown;
};

export type FunctionCallItem = {
  type: 'function_call';
  id?: string;
  call_id: string;
  name: string;
  arguments: string;
  status?: 'in_progress' | 'completed' | 'incomplete';
  [extra: string]: unknown;
};

export type FunctionCallOutputItem = {
  type: 'function_call_output';
  id?: string;
  call_id: string;
  output: string | InputContentPart[];
  [extra: string]: unknown;
};

export type ItemReference = { type: 'item_reference'; id: string };

export type InputItem =
  MessageItem | FunctionCallItem | FunctionCallOutputItem | ItemReference | { type: string; [extra: string]: unknown };

export type FunctionTool = {
  type: 'function';
  name: string;
  description?: string | null;
  parameters?: Record<string, unknown> | null;
  strict?: boolean | null;
};

export type ResponsesToolChoice =
  'none' | 'auto' | 'required' | { type: 'function'; name: string } | { type: string; [extra: string]: unknown };

export type TextFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; schema: Record<string, unknown>; strict?: boolean | null; description?: string };

export type ResponsesRequest = {
  model: string;
  input?: string | InputItem[];
  instructions?: string | null;
  tools?: FunctionTool[];
  tool_choice?: ResponsesToolChoice;
  text?: { format?: TextFormat; [extra: string]: unknown };
  max_output_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  metadata?: Record<string, string> | null;
  stream?: boolean | null;
  store?: boolean | null;
  previous_response_id?: string | null;
  parallel_tool_calls?: boolean | null;
  user?: string;
  [extra: string]: unknown;
};

export type OutputText = { type: 'output_text'; text: string; annotations: unknown[]; logprobs?: unknown[] };
export type OutputRefusal = { type: 'refusal'; refusal: string };

export type OutputMessage = {
  type: 'message';
  id: string;
  status: 'in_progress' | 'completed' | 'incomplete';
  role: 'assistant';
  content: Array<OutputText | OutputRefusal>;
};

export type OutputFunctionCall = {
  type: 'function_call';
  id: string;
  call_id: string;
  name: string;
  arguments: string;
  status: 'in_progress' | 'completed' | 'incomplete';
};

export type OutputItem = OutputMessage | OutputFunctionCall;

export type ResponseUsage = {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
};

export type ResponseStatus = 'completed' | 'failed' | 'in_progress' | 'incomplete';

export type ResponseObject = {
  id: string;
  object: 'response';
  created_at: number;
  status: ResponseStatus;
  error: { code: string; message: string } | null;
  incomplete_details: { reason: 'max_output_tokens' | 'content_filter' } | null;
  instructions: string | null;
  max_output_tokens: number | null;
  model: string;
  output: OutputItem[];
  parallel_tool_calls: boolean;
  previous_response_id: string | null;
  reasoning: { effort: null; summary: null };
  store: boolean;
  temperature: number | null;
  text: { format: TextFormat };
  tool_choice: ResponsesToolChoice;
  tools: FunctionTool[];
  top_p: number | null;
  truncation: 'disabled';
  usage: ResponseUsage | null;
  user: string | null;
  metadata: Record<string, string>;
};

/** One server-sent event of a streamed response: `type` is also the SSE event name. */
export type ResponseStreamEvent = { type: string; sequence_number: number; [field: string]: unknown };
