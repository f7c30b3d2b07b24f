import { createHash } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startGateway, type StartedGateway } from '../support/start-gateway';
import { reply, startScriptedUpstream, type ScriptedUpstream } from '../support/scripted-upstream';
import { describeWithChromium, ensureConsoleBuilt, expectText, launchChromium, screenshot, watchForErrors } from './support/browser';

const fp = (secret: string) => createHash('sha256').update(secret).digest('hex').slice(0, 16);
// Without NATS_URL the gateway runs the tools itself; a NATS_URL in the runner's environment must not leak in.
const NO_NATS = { NATS_URL: undefined, NATS_TOOLS_PREFIX: undefined };
/** Runs in the page: keeps every text the first answer shows, in order, in `window.seen`. */
const RECORD_ANSWER_TEXTS = `{
  const seen = (window.seen = []);
  new MutationObserver(() => {
    const text = document.querySelector('.answer-text')?.textContent ?? '';
    if (text && seen.at(-1) !== text) seen.push(text);
  }).observe(document.body, { subtree: true, childList: true, characterData: true });
}`;

/**
 * The console in headless Chromium against the real gateway, whose providers are a scripted
 * upstream: one gateway and one browser for the whole suite, the tests in the order an operator
 * would click through the screens.
 */
describeWithChromium('the web console in a browser', () => {
  let upstream: ScriptedUpstream;
  let gw: StartedGateway;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    ensureConsoleBuilt();
    upstream = await startScriptedUpstream();
    gw = await startGateway({
      config: {
        providers: {
          main: { type: 'openai', base_url: upstream.baseUrl, keys: ['sk-main-a', 'sk-main-b'] },
          backup: { type: 'openai', base_url: upstream.baseUrl, keys: ['sk-backup'] },
        },
        models: {
          chat: { chain: [{ provider: 'main', model: 'gpt-main' }] },
          other: { chain: [{ provider: 'backup', model: 'gpt-backup' }] },
        },
        keeper: { enabled: false },
      },
      env: NO_NATS,
    });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    errors = watchForErrors(page);
  });

  afterAll(async () => {
    await browser?.close();
    await gw?.close();
    await upstream?.close();
  });

  it('serves the console at /ui/ (index revalidated, hashed assets immutable) and sends / there', async () => {
    const root = await fetch(`${gw.url}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/ui/');

    const index = await fetch(`${gw.url}/ui/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const asset = /src="(\/ui\/assets\/[^"]+\.js)"/.exec(await index.text())?.[1];
    expect(asset).toBeDefined();
    const script = await fetch(`${gw.url}${asset}`);
    expect(script.status).toBe(200);
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('streams a chat answer token by token and shows the profile, model and key that served it', async () => {
    upstream.fallback(reply.stream(['Hello ', 'from ', 'the ', 'scripted ', 'stream.'], { intervalMs: 200 }));
    await page.goto(`${gw.url}/`);
    await page.getByLabel('Model', { exact: true }).selectOption('chat');
    expect(await page.getByLabel('Stream').isChecked()).toBe(true);
    await page.getByLabel('Message').fill('Say hello');

    const answer = page.getByRole('region', { name: 'Answer from chat' });
    // Every text the answer showed, recorded in the page as the DOM changes.
    await page.evaluate(RECORD_ANSWER_TEXTS);
    await page.getByRole('button', { name: 'Send' }).click();

    await answer.locator('[data-field="latency"]').filter({ hasText: 'ms' }).waitFor();
    await expectText(answer.locator('.answer-text'), 'Hello from the scripted stream.');
    const seen = (await page.evaluate('window.seen')) as string[];
    expect(seen.filter((t) => t !== '…')).toEqual([
      'Hello ',
      'Hello from ',
      'Hello from the ',
      'Hello from the scripted ',
      'Hello from the scripted stream.',
    ]);
    await expectText(answer.locator('[data-field="profile"]'), 'main');
    await expectText(answer.locator('[data-field="model"]'), 'gpt-main');
    expect([fp('sk-main-a'), fp('sk-main-b')]).toContain(await answer.locator('[data-field="key"]').textContent());
    await expectText(answer.locator('[data-field="attempts"]'), '1');
    await screenshot(page, 'playground');
  });

  it('compares two aliases side by side, without streaming', async () => {
    upstream.fallback(reply.auto());
    await page.getByLabel('Compare', { exact: true }).check();
    await page.getByLabel('Compare with').selectOption('other');
    await page.getByLabel('Stream').uncheck();
    await page.getByLabel('Message').fill('Who are you?');
    await page.getByRole('button', { name: 'Send' }).click();

    const left = page.getByRole('region', { name: 'Answer from chat' }).first();
    const right = page.getByRole('region', { name: 'Answer from other' }).first();
    await expectText(left.locator('.answer-text'), 'scripted answer from gpt-main');
    await expectText(right.locator('.answer-text'), 'scripted answer from gpt-backup');
    await expectText(right.locator('[data-field="profile"]'), 'backup');
    await expectText(right.locator('[data-field="key"]'), fp('sk-backup'));
    await expectText(right.locator('[data-field="tokens"]'), '3 in · 4 out · 7 total');
    await screenshot(page, 'playground-compare');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'playground-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('logged no error in the browser', () => {
    expect(errors).toEqual([]);
  });
});
