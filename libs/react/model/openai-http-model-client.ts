import { request } from 'undici';
import type { ModelClient, ModelReply, ModelRequest } from '../ports';

export interface OpenAiHttpModelClientOptions {
  /** Root as the OpenAI SDK takes it, e.g. `http://127.0.0.1:8080/v1`. */
  baseUrl: string;
  apiKey?: string;
  timeoutMs?: number;
}

/**
 * A ModelClient over any OpenAI-compatible `/chat/completions` endpoint, the alias sent as
 * `model`. The gateway uses its own router instead; this one drives the engine against a
 * remote gateway or a local model server.
 */
export class OpenAiHttpModelClient implements ModelClient {
  constructor(private readonly opts: OpenAiHttpModelClientOptions) {}

  async chat(req: ModelRequest): Promise<ModelReply> {
    const body = {
      model: req.alias,
      messages: req.messages,
      ...(req.tools ? { tools: req.tools } : {}),
      ...(req.stop?.length ? { stop: req.stop } : {}),
    };
    const response = await request(`${this.opts.baseUrl.replace(/\/$/, '')}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(this.opts.apiKey ? { authorization: `Bearer ${this.opts.apiKey}` } : {}) },
      body: JSON.stringify(body),
      signal: req.signal,
      headersTimeout: this.opts.timeoutMs,
      bodyTimeout: this.opts.timeoutMs,
    });
    const text = await response.body.text();
    if (response.statusCode >= 400) throw new Error(`model ${req.alias} answered ${response.statusCode}: ${errorMessage(text)}`);
    const completion = JSON.parse(text) as { choices?: Array<{ message?: ModelReply['message']; finish_reason?: string }> };
    const choice = completion.choices?.[0];
    if (!choice?.message) throw new Error(`model ${req.alias} answered without a choice`);
    return {
      message: {
        content: choice.message.content ?? null,
        ...(choice.message.tool_calls?.length ? { tool_calls: choice.message.tool_calls } : {}),
      },
      finish_reason: choice.finish_reason ?? 'stop',
    };
  }
}

function errorMessage(text: string): string {
  try {
    return (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text.slice(0, 200);
  } catch {
    return text.slice(0, 200);
  }
}
