export { geminiProvider } from './gemini.provider';
export { toGeminiChat } from './chat.request';
export { fromGeminiChat } from './chat.response';
export { geminiStream, type GeminiStreamState } from './chat.stream';
export { toGeminiEmbed, fromGeminiEmbed } from './embeddings';
export { classifyGemini, retryDelayMs } from './outcome';
export { DEFAULT_BASE_URL as GEMINI_DEFAULT_BASE_URL } from './endpoint';
