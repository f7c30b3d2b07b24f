export * from './openai-error';
export * from './error-mapping';
export * from './exception.filter';
export * from './sse';
export * from './docs';
export * from './client-gone';
export * from './body-validation';
