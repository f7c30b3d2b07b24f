export { cohereProvider } from './cohere.provider';
export { toCohereChat } from './chat.request';
export { fromCohereChat } from './chat.response';
export { cohereStream, type CohereStreamState } from './chat.stream';
export { toCohereEmbed, fromCohereEmbed } from './embeddings';
export { classifyCohere } from './outcome';
export { DEFAULT_BASE_URL as COHERE_DEFAULT_BASE_URL } from './endpoint';
