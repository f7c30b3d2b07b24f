import type { ChatCompletion, FinishReason, ToolCall, Usage } from '@switchboard/providers';
import { outputItemId } from './ids';
import type { OutputFunctionCall, OutputItem, OutputMessage, ResponseObject, ResponseUsage, ResponsesRequest } from './responses-wire';

/** What names and dates a response: chosen by the front end (the clock and the random id live there). */
export interface ResponseIdentity {
  id: string;
  createdAt: number;
  /** The alias the client asked for. */
  model: string;
}

/** A response as it stands before its output: the request's own settings echoed, as OpenAI does. */
export function responseSkeleton(req: ResponsesRequest, who: ResponseIdentity): ResponseObject {
  return {
    id: who.id,
    object: 'response',
    created_at: who.createdAt,
    status: 'in_progress',
    error: null,
    incomplete_details: null,
    instructions: typeof req.instructions === 'string' ? req.instructions : null,
    max_output_tokens: typeof req.max_output_tokens === 'number' ? req.max_output_tokens : null,
    model: who.model,
    output: [],
    parallel_tool_calls: req.parallel_tool_calls !== false,
    previous_response_id: typeof req.previous_response_id === 'string' ? req.previous_response_id : null,
    reasoning: { effort: null, summary: null },
    store: req.store !== false,
    temperature: typeof req.temperature === 'number' ? req.temperature : null,
    text: { format: req.text?.format ?? { type: 'text' } },
    tool_choice: req.tool_choice ?? 'auto',
    tools: Array.isArray(req.tools) ? req.tools : [],
    top_p: typeof req.top_p === 'number' ? req.top_p : null,
    truncation: 'disabled',
    usage: null,
    user: typeof req.user === 'string' ? req.user : null,
    metadata: req.metadata ?? {},
  };
}

export function toResponseUsage(usage: Usage | null | undefined): ResponseUsage {
  const details = (usage?.prompt_tokens_details ?? {}) as { cached_tokens?: number };
  const output = (usage?.completion_tokens_details ?? {}) as { reasoning_tokens?: number };
  const input = usage?.prompt_tokens ?? 0;
  const completion = usage?.completion_tokens ?? 0;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: details.cached_tokens ?? 0 },
    output_tokens: completion,
    output_tokens_details: { reasoning_tokens: output.reasoning_tokens ?? 0 },
    total_tokens: usage?.total_tokens ?? input + completion,
  };
}

/** A finish reason that cut the answer short makes the response `incomplete`, with the reason OpenAI gives. */
export function finalStatus(finish: FinishReason | null | undefined): Pick<ResponseObject, 'status' | 'incomplete_details'> {
  if (finish === 'length') return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
  if (finish === 'content_filter') return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
  return { status: 'completed', incomplete_details: null };
}

export function messageItem(id: string, text: string, status: OutputMessage['status'] = 'completed'): OutputMessage {
  return { type: 'message', id, status, role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] };
}

export function functionCallItem(id: string, call: ToolCall, status: OutputFunctionCall['status'] = 'completed'): OutputFunctionCall {
  return { type: 'function_call', id, call_id: call.id, name: call.function.name, arguments: call.function.arguments ?? '', status };
}

/** Chat completion -> response: the assistant's text as one message item, then one item per tool call. */
export function toResponse(chat: ChatCompletion, skeleton: ResponseObject): ResponseObject {
  const choice = chat.choices?.[0];
  const message = choice?.message;
  const output: OutputItem[] = [];
  const text = typeof message?.content === 'string' ? message.content : '';
  if (typeof message?.refusal === 'string' && message.refusal) {
    output.push({
      type: 'message',
      id: outputItemId(skeleton.id, 'message', 0),
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'refusal', refusal: message.refusal }],
    });
  } else if (text || !message?.tool_calls?.length) {
    output.push(messageItem(outputItemId(skeleton.id, 'message', 0), text));
  }
  for (const call of message?.tool_calls ?? []) {
    output.push(functionCallItem(outputItemId(skeleton.id, 'function_call', output.length), call));
  }
  return { ...skeleton, ...finalStatus(choice?.finish_reason), output, usage: toResponseUsage(chat.usage) };
}
