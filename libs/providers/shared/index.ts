export * from './openai-wire';
export * from './headers';
export * from './retry-after';
export * from './chunks';
export * from './classify';
export * from './embeddings';
export * from './answer-options';
export * from './request-shape';
