import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { eventually } from '../../support/eventually';

/** Debian's `chromium` package (`.ci/run` installs it when missing). */
export const CHROMIUM = '/usr/bin/chromium';
const ROOT = join(__dirname, '../../..');
const UI_SOURCES = join(ROOT, 'ui');
const UI_BUILT = join(ROOT, 'dist/ui/index.html');
export const SCREENSHOTS = join(ROOT, 'test-results/console');

/**
 * `describe` for suites that drive the console in a real browser. Without Chromium the suite is
 * skipped with the reason in its name, except in CI (`CI=true`), where it must run and fails.
 */
export function describeWithChromium(name: string, body: () => void): void {
  if (existsSync(CHROMIUM)) return describe(name, body);
  if (process.env.CI === 'true') {
    return describe(name, () => {
      it('needs Chromium', () => {
        throw new Error(`${CHROMIUM} is missing (CI=true: the browser suites must run; apt-get install chromium)`);
      });
    });
  }
  describe.skip(`${name} (skipped because Chromium is not installed at ${CHROMIUM}; CI=true makes it fail instead)`, body);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-quic',
      '--disable-sync',
    ],
  });
}

/**
 * Builds the console (what `npm run build` does for it) when dist/ui is missing or older than
 * anything under ui/, so `npx jest` alone tests the current sources.
 */
export function ensureConsoleBuilt(): void {
  if (existsSync(UI_BUILT) && statSync(UI_BUILT).mtimeMs >= newestIn(UI_SOURCES)) return;
  const built = spawnSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'ui/vite.config.mts'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (built.status !== 0) throw new Error(`the console did not build:\n${built.stdout}\n${built.stderr}`);
}

function newestIn(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestIn(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Everything the page reported as an error: console errors, uncaught exceptions, failed requests. */
export function watchForErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`page: ${error.message}`));
  return errors;
}

/**
 * Takes out the one error a test caused on purpose (Chromium logs every 4xx a `fetch` gets as a
 * console error), failing when it is not there; what is left must be nothing.
 */
export function expectedError(errors: string[], pattern: RegExp): void {
  const at = errors.findIndex((e) => pattern.test(e));
  expect(at >= 0 ? errors[at] : errors).toMatch(pattern);
  errors.splice(at, 1);
}

/** Saves `test-results/console/<name>.png` (git-ignored) for a person to look at. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/**
 * Waits until the element's text is `expected` (the page updates as answers arrive), then
 * asserts it, so a failure shows the last text seen.
 */
export async function expectText(locator: Locator, expected: string | RegExp, timeoutMs = 15_000): Promise<void> {
  const matches = (text: string | null) => (typeof expected === 'string' ? text === expected : expected.test(text ?? ''));
  const text = await eventually(() => locator.textContent({ timeout: timeoutMs }).then((t) => t?.trim() ?? null), matches, timeoutMs);
  if (typeof expected === 'string') expect(text).toBe(expected);
  else expect(text).toMatch(expected);
}
