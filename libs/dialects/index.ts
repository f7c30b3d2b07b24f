export * as responses from './responses';
export * as messages from './messages';
