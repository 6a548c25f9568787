import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Browser, chromium, Page } from 'playwright-core';
import { ROOT } from './test-env';

const run = promisify(execFile);

/** Exactly these, and a fresh profile: no sandbox (root, containers), nothing that reaches outside the machine. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Where each step's screenshot goes, for a person to look at (git-ignored). */
export const SCREENSHOTS = join(ROOT, '.stack/test-results/web-client');

export interface TestBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/**
 * Debian's Chromium (scripts/chromium.sh installs it when missing), driven by playwright-core over
 * its DevTools pipe. Playwright's own default arguments are left out so that the flags are exactly
 * CHROMIUM_FLAGS, plus the pipe it talks over and a profile made for this run.
 */
export async function launchChromium(): Promise<TestBrowser> {
  const { stdout } = await run('bash', [join(ROOT, 'scripts/chromium.sh')], { timeout: 600_000 });
  const profile = mkdtempSync(join(tmpdir(), 'chromium-e2e-'));
  const browser = await chromium.launch({
    executablePath: stdout.trim(),
    ignoreDefaultArgs: true,
    args: [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, '--remote-debugging-pipe', 'about:blank'],
    timeout: 60_000,
  });
  rmSync(SCREENSHOTS, { recursive: true, force: true });
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    browser,
    close: async () => {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

let shots = 0;

/** A numbered screenshot of the page, named for the step. */
export async function screenshot(page: Page, step: string): Promise<string> {
  const file = join(SCREENSHOTS, `${String(++shots).padStart(2, '0')}-${step}.png`);
  await page.screenshot({ path: file });
  return file;
}
