/** One OpenAI-format chat message, as much of it as the engine reads and writes. */
export interface ChatMessage {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool';
  content: string | null | Array<{ type: string; text?: string; [key: string]: unknown }>;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
}

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** A tool offered to a model in the OpenAI `tools` format. */
export interface ToolDefinition {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown> };
}

/** What a tool bus lists: enough to describe the tool to a model and validate its input. */
export interface ToolDescriptor {
  name: string;
  description: string;
  /** JSON schema of the tool's input. */
  parameters: Record<string, unknown>;
}

export interface ModelRequest {
  alias: string;
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  /** Stop sequences of a text pattern (optional: the step parser cuts at the observation marker anyway). */
  stop?: string[];
  signal?: AbortSignal;
}

export interface ModelReply {
  message: { content: string | null; tool_calls?: ToolCall[] };
  finish_reason: string;
}

/** How the engine asks an alias's chain for one (non-streaming) completion. */
export interface ModelClient {
  chat(req: ModelRequest): Promise<ModelReply>;
}

export interface ToolCallOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  depth?: number;
  sessionId?: string;
}

/** Where a tool bus finds its tools: a `ToolRegistry`, or a `ToolCatalog` (built-ins and mounted MCP tools). */
export interface ToolSource {
  list(): ToolDescriptor[];
  call(name: string, input: unknown, opts: ToolCallOptions): Promise<ToolResult>;
  close?(): Promise<void>;
}

/** A tool's result as a value: a failing tool is an observation, never a throw. */
export type ToolResult = { output: unknown } | { error: string };

/** How the engine reaches tools: in-process or over NATS. */
export interface ToolBus {
  /** Every tool the bus can call. */
  list(): Promise<ToolDescriptor[]>;
  /** Runs one tool; never throws for a tool's own failure, a timeout or an unknown tool. */
  call(name: string, input: unknown, opts: ToolCallOptions): Promise<ToolResult>;
  close(): Promise<void>;
}

/** Publishes each streamed step for downstream subscribers (NATS), or nothing. */
export interface StepPublisher {
  publish(sessionId: string, type: string, payload: Record<string, unknown>): void;
}

export const noopStepPublisher: StepPublisher = { publish: () => undefined };
