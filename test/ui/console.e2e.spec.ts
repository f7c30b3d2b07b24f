import { createHash } from 'node:crypto';
import { usageStream, type UsageRecordedData } from '@switchboard/domain';
import { SqliteEventStore } from '@switchboard/event-store';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startGateway, type StartedGateway } from '../support/start-gateway';
import { reply, startScriptedUpstream, type ScriptedUpstream } from '../support/scripted-upstream';
import { eventually } from '../support/eventually';
import { PATTERNS_DIR, textAction, textAnswer } from '../react/support/react-harness';
import {
  describeWithChromium,
  ensureConsoleBuilt,
  expectedError,
  expectText,
  launchChromium,
  screenshot,
  watchForErrors,
} from './support/browser';

const fp = (secret: string) => createHash('sha256').update(secret).digest('hex').slice(0, 16);
// Without NATS_URL the gateway runs the tools itself; a NATS_URL in the runner's environment must not leak in.
const NO_NATS = { NATS_URL: undefined, NATS_TOOLS_PREFIX: undefined };
const USAGE: Array<Omit<UsageRecordedData, 'minute'>> = [
  {
    client: 'team-a',
    alias: 'chat',
    profile: 'main',
    model: 'gpt-main',
    requests: 5,
    errors: 1,
    input_tokens: 100,
    output_tokens: 50,
    cost_usd: 0.0125,
  },
  {
    client: 'team-b',
    alias: 'other',
    profile: 'backup',
    model: 'gpt-backup',
    requests: 2,
    errors: 0,
    input_tokens: 10,
    output_tokens: 20,
    cost_usd: 0.002,
  },
];
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
  // A copy of the shipped patterns (saving a prompt must not touch them) and the seeded store.
  let workDir: string;

  beforeAll(async () => {
    ensureConsoleBuilt();
    workDir = mkdtempSync(join(tmpdir(), 'console-'));
    const patternsDir = join(workDir, 'patterns');
    cpSync(PATTERNS_DIR, patternsDir, { recursive: true });
    // Usage is recorded a closed minute at a time: two clients' minute, recorded before the start.
    const storePath = join(workDir, 'events.db');
    const store = new SqliteEventStore(storePath);
    const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 120_000).toISOString();
    await store.append(
      usageStream(minute),
      USAGE.map((data) => ({ type: 'UsageRecorded', data: { ...data, minute } })),
      'any',
    );
    await store.close();
    upstream = await startScriptedUpstream();
    gw = await startGateway({
      config: {
        providers: {
          main: { type: 'openai', base_url: upstream.baseUrl, keys: ['sk-main-a', 'sk-main-b'] },
          backup: { type: 'openai', base_url: upstream.baseUrl, keys: ['sk-backup'] },
          thinker: { type: 'openai', base_url: upstream.baseUrl, keys: ['sk-agent'] },
        },
        models: {
          chat: { chain: [{ provider: 'main', model: 'gpt-main' }] },
          other: { chain: [{ provider: 'backup', model: 'gpt-backup' }] },
          agent: {
            reasoning_mode: 'react',
            pattern: 'basic_react',
            tools: ['calculator'],
            chain: [{ provider: 'thinker', model: 'gpt-agent' }],
          },
        },
        react: { patterns_dir: patternsDir },
        keeper: { enabled: false },
      },
      env: { ...NO_NATS, EVENT_STORE_URL: `sqlite:${storePath}` },
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
    if (workDir) rmSync(workDir, { recursive: true, force: true });
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

  it('runs an agent: thought, action, observation and answer arrive in order as an expandable timeline, and replay from the list', async () => {
    upstream.script(
      'sk-agent',
      reply.chat(textAction('Add them up.', 'calculator', { expression: '2 + 3' })),
      reply.chat(textAnswer('I have it.', 'The answer is 5.')),
    );
    await page.goto(`${gw.url}/ui/#/agents`);
    await page.getByLabel('Agent', { exact: true }).selectOption('agent');
    await page.getByLabel('Question').fill('What is 2 + 3?');
    await page.getByRole('button', { name: 'Run', exact: true }).click();

    const timeline = page.locator('.timeline');
    await expectText(timeline.locator('.step-answer .step-line'), 'The answer is 5.');
    const order = () => timeline.locator('li').evaluateAll((items) => items.map((li) => li.getAttribute('data-type')));
    expect(await order()).toEqual(['thought', 'action', 'observation', 'thought', 'answer']);
    await expectText(timeline.locator('.step-action .step-line'), 'calculator({"expression":"2 + 3"})');
    await expectText(timeline.locator('.step-observation .step-line'), 'calculator → 5');

    // Steps open by keyboard: the first thought's full text.
    const thought = timeline.locator('.step-thought').first();
    expect(await thought.locator('pre').isVisible()).toBe(false);
    await thought.locator('summary').focus();
    await page.keyboard.press('Enter');
    await expectText(thought.locator('pre'), 'Add them up.');
    await screenshot(page, 'agents');

    // The recent sessions list has it; opening it replays the same steps from the store.
    const id = ((await page.locator('#timeline-title code').textContent()) ?? '').trim();
    await eventually(
      async () => {
        await page.getByRole('button', { name: 'Refresh list' }).click();
        return page.getByRole('button', { name: `Open session ${id} of agent` }).count();
      },
      (n) => n === 1,
    );
    await page.goto(`${gw.url}/ui/#/playground`);
    await page.goto(`${gw.url}/ui/#/agents`);
    await page.getByRole('button', { name: `Open session ${id} of agent` }).click();
    await expectText(page.locator('#timeline-title'), new RegExp(`^Replayed session ${id}\\s*finished$`));
    expect(await order()).toEqual(['thought', 'action', 'observation', 'thought', 'answer']);
  });

  it('shows a key quarantined by a 429 with a live countdown, and as available when the slider goes back before it', async () => {
    const quarantined = fp('sk-main-a');
    upstream.script('sk-main-a', reply.rateLimited(600));
    // Requests until the key's turn comes and the 429 quarantines it (the other key answers them).
    const keys = await eventually(
      async () => {
        await fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] }),
        });
        return ((await (await fetch(`${gw.url}/admin/keys`)).json()) as { keys: Array<{ fingerprint: string; state: string }> }).keys;
      },
      (list) => list.some((k) => k.fingerprint === quarantined && k.state === 'quarantined'),
    );
    expect(keys.find((k) => k.fingerprint === quarantined)?.state).toBe('quarantined');

    await page.goto(`${gw.url}/ui/#/keys`);
    const row = page.locator(`tr[data-key="${quarantined}"]`);
    await expectText(row.locator('[data-field="state"]'), 'quarantined');
    await expectText(row.locator('[data-field="reason"]'), /rate/);
    await expectText(row.locator('[data-field="countdown"]'), /^in (9:5\d|10:00)$/);
    const first = (await row.locator('[data-field="countdown"]').textContent())!;
    await expectText(row.locator('[data-field="countdown"]'), new RegExp(`^in (?!${first.slice(3)}$)\\d+:\\d\\d$`));
    await screenshot(page, 'keys');

    // The key's history: registered, then quarantined.
    await row.getByRole('button', { name: 'History' }).click();
    await expectText(page.getByRole('list', { name: `History of key ${quarantined}` }), /KeyRegistered.*KeyQuarantined/s);

    // One step back is the quarantine itself; one more, the moment before it: available.
    const slider = page.getByLabel('As of', { exact: true });
    await slider.focus();
    await page.keyboard.press('End');
    await page.keyboard.press('ArrowLeft');
    expect(await slider.getAttribute('aria-valuetext')).toContain(`KeyQuarantined ${quarantined.slice(0, 8)}`);
    await expectText(row.locator('[data-field="state"]'), 'quarantined');
    await page.keyboard.press('ArrowLeft');
    await expectText(row.locator('[data-field="state"]'), 'available');
    await expectText(page.getByTestId('as-of-label'), /^Showing the pools as they were at/);
    await screenshot(page, 'keys-as-of');

    // Back to now: restoring asks first, then ends the quarantine.
    await page.getByRole('button', { name: 'Back to now' }).click();
    await expectText(row.locator('[data-field="state"]'), 'quarantined');
    await row.getByRole('button', { name: 'Restore' }).click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expectText(row.locator('[data-field="state"]'), 'quarantined');
    await row.getByRole('button', { name: 'Restore' }).click();
    await page.getByRole('button', { name: 'Restore key' }).click();
    await expectText(row.locator('[data-field="state"]'), 'available');
  });

  it('disables and enables a provider behind a confirmation', async () => {
    const backup = page.locator('tr[data-provider="backup"]');
    await backup.getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('button', { name: 'Disable backup' }).click();
    await expectText(backup.locator('td').nth(2), 'disabled');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'keys-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
    await backup.getByRole('button', { name: 'Enable' }).click();
    await page.getByRole('button', { name: 'Enable backup' }).click();
    await expectText(backup.locator('td').nth(2), 'yes');
  });

  it('edits a prompt: a broken template is refused with the reason, the fix shows a diff and saves', async () => {
    await page.goto(`${gw.url}/ui/#/prompts`);
    await page.getByLabel('Pattern').selectOption('basic_react');
    const editor = page.getByRole('textbox', { name: 'System prompt' });
    await expectText(editor, /\{\{tools\}\}/);
    const saved = ((await (await fetch(`${gw.url}/admin/prompts/basic_react`)).json()) as { system_prompt: string }).system_prompt;

    // Without {{tools}} the gateway refuses it, and says why.
    await editor.click();
    await page.keyboard.press('Control+A');
    // Lower case only: Playwright's synthetic capital after a select-all stalls this Chromium's renderer.
    await page.keyboard.type('answer {{question}} alone.');
    await page.getByRole('button', { name: 'Save prompt' }).click();
    await expectText(page.getByRole('alert'), /tools/);
    expectedError(errors, /status of 400/);

    // Put it back, add one line: the diff shows just that line, and it saves.
    await page.getByRole('button', { name: 'Discard changes' }).click();
    await expectText(page.locator('.toolbar .hint'), 'Saved version shown');
    await editor.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('\nalways be brief.');
    await page.getByRole('button', { name: 'Show diff' }).click();
    const diff = page.getByRole('textbox', { name: 'Diff of the system prompt' });
    await expectText(diff.locator('.cm-changedLine').last(), 'always be brief.');
    await screenshot(page, 'prompts');
    await page.getByRole('button', { name: 'Save prompt' }).click();
    await expectText(page.getByRole('status'), 'Saved: the next session of basic_react uses it.');
    const now = ((await (await fetch(`${gw.url}/admin/prompts/basic_react`)).json()) as { system_prompt: string }).system_prompt;
    expect(now.startsWith(saved.trimEnd())).toBe(true);
    expect(now.slice(saved.trimEnd().length).trim()).toBe('always be brief.');
    // The change is in the prompt's history (where the gateway records one).
    const documented = ((await (await fetch(`${gw.url}/docs-json`)).json()) as { paths: Record<string, unknown> }).paths;
    if (documented['/admin/prompts/{pattern}/history']) {
      await expectText(page.getByRole('list', { name: 'Prompt history' }).locator('li').last(), /\(admin\)/);
    }
  });

  it('the config editor either edits the running config or says /admin/config is not on this gateway', async () => {
    const documented = ((await (await fetch(`${gw.url}/docs-json`)).json()) as { paths: Record<string, unknown> }).paths;
    await page.goto(`${gw.url}/ui/#/config`);
    if (documented['/admin/config']) {
      await expectText(page.getByTestId('config-revision'), /\S/);
    } else {
      await expectText(page.getByRole('status'), /This gateway has no \/admin\/config .* endpoint \(it comes with issue 19\)/);
    }
    await screenshot(page, 'config');
  });

  it('a config with an error shows the error at its path; the fix shows a diff; Apply makes a new alias answer in the playground', async () => {
    const before = (await (await fetch(`${gw.url}/admin/config`)).json()) as { revision: number };
    await page.goto(`${gw.url}/ui/#/playground`);
    await page.goto(`${gw.url}/ui/#/config`);
    await expectText(page.getByTestId('config-revision'), String(before.revision));
    const editor = page.getByRole('textbox', { name: 'Config (YAML)' });
    // Literal keys are shown masked, never as themselves.
    await expectText(editor, new RegExp(`\\*\\*\\*${fp('sk-main-a')}`));
    expect(await editor.textContent()).not.toContain('sk-main-a');

    // A new alias under `models:` whose provider does not exist: the gateway's error, at its path.
    await editor.locator('.cm-line', { hasText: /^models:$/ }).click();
    await page.keyboard.press('End');
    // insertText, not type: the YAML editor indents a typed Enter itself.
    await page.keyboard.insertText('\n  fresh:\n    chain:\n      - { provider: nowhere, model: gpt-fresh }');
    await expectText(page.getByRole('list', { name: 'Config errors' }), /models\.fresh\.chain\[0\]\.provider: unknown provider 'nowhere'/);
    expect(await page.getByRole('button', { name: 'Apply' }).isDisabled()).toBe(true);

    // The fix: an existing provider. The errors clear, and the diff is the new alias against what runs.
    await editor.locator('.cm-line', { hasText: 'provider: nowhere' }).getByText('nowhere').dblclick();
    await page.keyboard.insertText('backup');
    await expectText(page.getByRole('list', { name: 'Config errors' }), '');
    await page.getByRole('button', { name: 'Show diff' }).click();
    const diff = page.getByRole('textbox', { name: 'Diff of the config' });
    await expectText(diff.locator('.cm-changedLine').first(), /fresh:/);
    await expectText(diff.locator('.cm-changedLine').last(), '- { provider: backup, model: gpt-fresh }');
    await screenshot(page, 'config-diff');

    // Someone else applies a revision meanwhile: Apply reports the conflict and overwrites nothing.
    const other = await fetch(`${gw.url}/admin/config`);
    const otherBody = (await other.json()) as { config: Record<string, Record<string, unknown>> };
    otherBody.config.keeper = { enabled: false, probe_interval_ms: 12345 };
    const put = await fetch(`${gw.url}/admin/config`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'if-match': other.headers.get('etag')! },
      body: JSON.stringify({ config: otherBody.config }),
    });
    expect(put.status).toBe(200);
    await page.getByRole('button', { name: 'Apply' }).click();
    await expectText(page.getByRole('alert'), new RegExp(`^Not applied: the config changed since revision ${before.revision} `));
    expectedError(errors, /status of 412/);
    const after = (await (await fetch(`${gw.url}/admin/config`)).json()) as { revision: number; config: { models: object } };
    expect(after.revision).toBe(before.revision + 1);
    expect(after.config.models).not.toHaveProperty('fresh');

    // Reload (the other change now shows), the same edit again, Apply: a new revision, and the alias answers.
    await page.getByRole('button', { name: 'Reload' }).click();
    await expectText(page.getByTestId('config-revision'), String(before.revision + 1));
    await editor.locator('.cm-line', { hasText: /^models:$/ }).click();
    await page.keyboard.press('End');
    await page.keyboard.insertText('\n  fresh:\n    chain:\n      - { provider: backup, model: gpt-fresh }');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expectText(
      page.getByRole('status'),
      `Applied as revision ${before.revision + 2}: every replica follows it from the event store.`,
    );
    await expectText(
      page.getByRole('list', { name: 'Config history' }).locator('li').last(),
      new RegExp(`^revision ${before.revision + 2} .* by \\S+ \\(admin\\)$`),
    );
    await screenshot(page, 'config');
    // The edit was made on the reloaded revision: the other change is kept.
    const applied = (await (await fetch(`${gw.url}/admin/config`)).json()) as { config: { keeper: object; models: object } };
    expect(applied.config.keeper).toEqual({ enabled: false, probe_interval_ms: 12345 });
    expect(applied.config.models).toHaveProperty('fresh', { chain: [{ provider: 'backup', model: 'gpt-fresh' }] });

    upstream.fallback(reply.auto());
    await page.goto(`${gw.url}/ui/#/agents`);
    await page.goto(`${gw.url}/ui/#/playground`);
    await page.getByLabel('Compare', { exact: true }).uncheck();
    await page.getByLabel('Model', { exact: true }).selectOption('fresh');
    await page.getByLabel('Message').fill('hello');
    await page.getByRole('button', { name: 'Send' }).click();
    const answer = page.getByRole('region', { name: 'Answer from fresh' });
    await expectText(answer.locator('[data-field="model"]'), 'gpt-fresh');
    await expectText(answer.locator('[data-field="profile"]'), 'backup');
  });

  it('the usage screen charts requests, errors, tokens and cost per client from /admin/usage (or says the gateway lacks it)', async () => {
    const documented = ((await (await fetch(`${gw.url}/docs-json`)).json()) as { paths: Record<string, unknown> }).paths;
    await page.goto(`${gw.url}/ui/#/usage`);
    if (documented['/admin/usage']) {
      await page.getByLabel('Group by').selectOption('client');
      const row = (name: string) =>
        page
          .getByRole('region', { name: 'Usage by client' })
          .locator('tr', { has: page.locator('th', { hasText: new RegExp(`^${name}$`) }) });
      await expectText(row('team-a').locator('td').first(), '5');
      expect(await row('team-a').locator('td').allTextContents()).toEqual(['5', '1', '100', '50', '0.0125']);
      expect(await row('team-b').locator('td').allTextContents()).toEqual(['2', '0', '10', '20', '0.0020']);
      expect(await page.locator('.chart canvas').count()).toBe(4);
    } else {
      await expectText(page.getByRole('status'), /This gateway has no \/admin\/usage endpoint \(it comes with issue 20\)/);
    }
    await screenshot(page, 'usage');
  });

  it('logged no error in the browser', () => {
    expect(errors).toEqual([]);
  });
});
