export { MOCK_KEY, mockProvider, createMockProvider } from './mock.provider';
export { MockTransport, type MockTransportOptions } from './mock.transport';
export { MOCK_MODELS, MOCK_EMBEDDING_DIMS, embeddingOf } from './responses';
