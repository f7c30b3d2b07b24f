import { startGateway, type StartedGateway } from '../../support/start-gateway';
import { VALIDATORS, type RequestCheck } from '../../../src/gateway/v1/validate';
import { checkResponses } from '../../../src/gateway/v1/responses-front-end';
import { checkCountTokens, checkMessages } from '../../../src/gateway/v1/messages-front-end';

type Document = { openapi: string; paths: Record<string, { post?: { requestBody?: { content: Record<string, { schema: unknown }> } } }> };

/**
 * Each /v1 request body is declared once: the OpenAPI document served at /docs-json shows the very
 * schema the endpoint's check was compiled from, so what is documented and what is refused cannot
 * drift apart (a `function` role accepted but not documented, say).
 */
describe('the OpenAPI document and the /v1 request checks', () => {
  let gw: StartedGateway;
  let doc: Document;
  beforeAll(async () => {
    gw = await startGateway({
      config: {
        providers: { mock: { type: 'mock' } },
        models: { 'mock-fast': { chain: [{ provider: 'mock', model: 'mock-1' }] } },
        keeper: { enabled: false },
      },
    });
    doc = (await (await fetch(`${gw.url}/docs-json`)).json()) as Document;
  });
  afterAll(() => gw.close());

  const requestSchema = (path: string) => doc.paths[path]?.post?.requestBody?.content['application/json']?.schema;

  it('is an OpenAPI 3.1 document, whose schema objects are JSON Schema as the checks read them', () => {
    expect(doc.openapi).toBe('3.1.0');
  });

  it.each<[string, RequestCheck]>([
    ['/v1/chat/completions', VALIDATORS.chat],
    ['/v1/completions', VALIDATORS.completions],
    ['/v1/embeddings', VALIDATORS.embeddings],
    ['/v1/responses', checkResponses],
    ['/v1/messages', checkMessages],
    ['/v1/messages/count_tokens', checkCountTokens],
    // An agent's body is checked as a chat body.
    ['/v1/react/sessions', VALIDATORS.chat],
  ])('documents %s with the schema its check was compiled from', (path, check) => {
    expect(requestSchema(path)).toEqual(check.schema);
  });

  it('documents every role the chat check accepts (function included)', () => {
    const messages = (
      requestSchema('/v1/chat/completions') as { properties: { messages: { items: { properties: { role: { enum: string[] } } } } } }
    ).properties.messages;
    expect(messages.items.properties.role.enum).toContain('function');
    expect(VALIDATORS.chat({ model: 'm', messages: [{ role: 'function', name: 'f', content: '1' }] })).toBeUndefined();
  });
});
