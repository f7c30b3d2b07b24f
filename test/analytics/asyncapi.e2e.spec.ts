import { Parser } from '@asyncapi/parser';
import { startGateway, type StartedGateway } from '../support/start-gateway';

/** `/docs/asyncapi.json`: a valid AsyncAPI 3 document of every subject the gateway publishes. */
describe('the AsyncAPI document', () => {
  let gw: StartedGateway;
  beforeAll(async () => {
    gw = await startGateway({
      config: {
        providers: { mock: { type: 'mock' } },
        models: { m: { chain: [{ provider: 'mock', model: 'mock-1' }] } },
        keeper: { enabled: false },
      },
      env: { NATS_SUBJECT_PREFIX: 'acme.sb' },
    });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('is served open, and @asyncapi/parser finds no error in it', async () => {
    const res = await fetch(`${gw.url}/docs/asyncapi.json`);
    expect(res.status).toBe(200);
    const document = (await res.json()) as { asyncapi: string };
    expect(document.asyncapi).toMatch(/^3\./);
    const { document: parsed, diagnostics } = await new Parser().parse(JSON.stringify(document));
    expect(diagnostics.filter((d) => d.severity === 0)).toEqual([]);
    expect(parsed).toBeDefined();
    const addresses = parsed!
      .channels()
      .all()
      .map((c) => c.address());
    expect(addresses).toEqual(
      expect.arrayContaining([
        'acme.sb.events.key.KeyQuarantined',
        'acme.sb.events.provider.CircuitOpened',
        'acme.sb.events.react.AnswerProduced',
        'acme.sb.events.usage.UsageRecorded',
        'acme.sb.requests.completed',
        'acme.sb.react.{sessionId}.{type}',
      ]),
    );
    const completed = parsed!
      .channels()
      .all()
      .find((c) => c.address() === 'acme.sb.requests.completed')!;
    const payload = completed.messages().all()[0].payload()!.json() as { properties: Record<string, unknown> };
    expect(Object.keys(payload.properties)).toEqual(
      expect.arrayContaining(['request_id', 'trace_id', 'attempts', 'usage', 'cost_usd', 'ttft_ms']),
    );
  });
});
