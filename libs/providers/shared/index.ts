export * from './openai-wire';
export * from './headers';
export * from './retry-after';
export * from './chunks';
export * from './classify';
