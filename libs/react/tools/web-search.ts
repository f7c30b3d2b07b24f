import { request } from 'undici';
import { ToolError, type Tool } from './tool';

export const TAVILY_SEARCH_URL = 'https://api.tavily.com/search';

interface TavilyResponse {
  answer?: string | null;
  results?: Array<{ title?: string; url?: string; content?: string; score?: number }>;
}

/** Web search through Tavily's REST API (`POST /search`, bearer key). */
export const webSearch: Tool<{ query: string; max_results?: number }> = {
  name: 'web_search',
  description: 'Searches the web and returns the top results (title, url, snippet) and a short answer when available.',
  parameters: {
    type: 'object',
    properties: {
      query: { type: 'string', minLength: 1, maxLength: 400 },
      max_results: { type: 'integer', minimum: 1, maximum: 10 },
    },
    required: ['query'],
    additionalProperties: false,
  },
  async run({ query, max_results = 5 }, ctx) {
    const apiKey = ctx.config.webSearch.tavilyApiKey;
    if (!apiKey) throw new ToolError('web_search is not configured: set TAVILY_API_KEY');
    const response = await request(TAVILY_SEARCH_URL, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query, max_results, search_depth: 'basic', include_answer: true }),
      signal: ctx.signal,
    });
    const text = await response.body.text();
    // The key stays out of the message: Tavily's error bodies do not echo it, and we never add it.
    if (response.statusCode >= 400) throw new ToolError(`web_search failed: Tavily answered ${response.statusCode}`);
    const body = JSON.parse(text) as TavilyResponse;
    return {
      answer: body.answer ?? undefined,
      results: (body.results ?? []).map((r) => ({ title: r.title, url: r.url, snippet: r.content })),
    };
  },
};
