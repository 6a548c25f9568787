import { BrowserContext, Page } from 'playwright-core';
import { adminApi } from './support/admin-api';
import { uid } from './support/broker';
import { eventually } from './support/database';
import { launchChromium, screenshot, TestBrowser } from './support/browser';
import { closeTestDb } from './support/database';
import { EngineProcess, startEngine, waitForStatus } from './support/engine';
import { stack } from './support/stack';
import { servers, TEST_ADMIN_API_KEY, TEST_STACK } from './support/test-env';

/**
 * The web chat client at /app in a real browser (Debian's Chromium): people signing in, chatting,
 * receipts, typing, presence, a block, a group of three, and the broker node restarted under the
 * open pages. Screenshots of each step: .stack/test-results/web-client/.
 */
(servers.external.broker ? describe.skip : describe)('the web chat client in a browser', () => {
  const alice = uid('alice');
  const bob = uid('bob');
  const carol = uid('carol');
  let engine: EngineProcess;
  let chromium: TestBrowser;
  const contexts: BrowserContext[] = [];
  const pages: Record<string, Page> = {};
  /** Uncaught exceptions and refusals by the Content-Security-Policy, on any page. */
  const problems: string[] = [];
  /** Token refreshes (POST /v1/me/token) answered, per user. */
  const refreshes: Record<string, number> = {};
  /** When each user signed in: their first token expires TOKEN_TTL_SECONDS later. */
  const signedInAt: Record<string, number> = {};
  const TOKEN_TTL_SECONDS = 60;

  beforeAll(async () => {
    engine = await startEngine('web-client', {
      DEV_SIGN_IN: 'true',
      MQTT_WS_URL: `ws://127.0.0.1:${TEST_STACK.STACK_WS_MQTT_PORT}/ws`,
      REQUIRE_REGISTERED_RECIPIENTS: 'true',
      // The shortest lifetime: the pages must renew their tokens while the test runs.
      TOKEN_TTL_SECONDS: String(TOKEN_TTL_SECONDS),
    });
    chromium = await launchChromium();
  }, 900_000); // a fresh machine installs Chromium first (scripts/chromium.sh)

  afterAll(async () => {
    for (const [user, page] of Object.entries(pages)) await screenshot(page, `last-${user}`).catch(() => undefined);
    await stack('start', 'rabbitmq');
    await Promise.all(contexts.map((c) => c.close()));
    await chromium?.close();
    await engine?.stop();
    await closeTestDb();
  });

  async function newPage(): Promise<Page> {
    const context = await chromium.browser.newContext({ viewport: { width: 1100, height: 640 } });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (m) => /Content Security Policy|Refused to/.test(m.text()) && problems.push(`console: ${m.text()}`));
    return page;
  }

  async function signIn(userId: string): Promise<Page> {
    const page = await newPage();
    refreshes[userId] = 0;
    page.on('response', (res) => res.url().endsWith('/v1/me/token') && res.ok() && refreshes[userId]++);
    await page.goto(`${engine.url}/app/`);
    signedInAt[userId] = Date.now();
    await page.fill('[data-testid=sign-in] input', userId);
    await page.click('[data-testid=sign-in] button');
    await connected(page);
    pages[userId] = page;
    return page;
  }

  const connected = (page: Page, timeout = 20_000) => page.locator('[data-testid=connection][data-state=connected]').waitFor({ timeout });
  const line = (page: Page, text: string) => page.locator('[data-testid=messages] .line', { hasText: text });
  /** A conversation in the list: a user's by id, a group's by its shown name (`# team`). */
  const conversation = (page: Page, peerOrTitle: string) =>
    peerOrTitle.startsWith('# ')
      ? page.locator('[data-testid=conversations] li', { hasText: peerOrTitle })
      : page.locator(`[data-testid=conversations] li[data-peer="${peerOrTitle}"]`);

  async function say(page: Page, text: string): Promise<void> {
    await page.fill('[data-testid=composer] input', text);
    await page.click('[data-testid=composer] button');
  }

  async function openChat(page: Page, peer: string): Promise<void> {
    await page.fill('[data-testid=new-chat] input', peer);
    await page.click('[data-testid=new-chat] button');
    await page.locator('[data-testid=peer-bar]', { hasText: peer }).waitFor();
  }

  it('two people sign in; one sends, the other sees it live with an unread badge; the sender sees delivered, then read', async () => {
    const a = await signIn(alice);
    const b = await signIn(bob);
    await screenshot(a, 'signed-in');

    await openChat(a, bob);
    await say(a, 'hello bob');
    await conversation(b, alice).locator('[data-testid=unread]', { hasText: '1' }).waitFor();
    await line(a, 'hello bob').locator('[data-tick=delivered]').waitFor();
    await screenshot(b, 'received-unread');
    await screenshot(a, 'ticked-delivered');

    await conversation(b, alice).click();
    await line(b, 'hello bob').waitFor();
    await line(a, 'hello bob').locator('[data-tick=read]').waitFor();
    expect(await conversation(b, alice).locator('[data-testid=unread]').count()).toBe(0);
    await screenshot(a, 'ticked-read');

    await say(b, "hi alice! how's the engine?");
    await line(a, "hi alice! how's the engine?").waitFor();
    await say(a, 'all green: delivered, read, and typing too');
    await line(b, 'all green').waitFor();
    await line(a, 'all green').locator('[data-tick=read]').waitFor();
    await screenshot(a, 'chatting');
  });

  it('shows typing and presence', async () => {
    const a = pages[alice];
    const b = pages[bob];
    await a.locator('[data-testid=peer-bar] [data-testid=presence][data-status=online]').waitFor();
    // Typed as a person types, a key at a time: indicators are hints sent at QoS 0, refreshed while typing goes on.
    const shown = a.locator('[data-testid=typing]', { hasText: `${bob} is typing` });
    const input = b.locator('[data-testid=composer] input');
    for (let i = 0; i < 40 && !(await shown.isVisible()); i++) await input.pressSequentially('typing ', { delay: 40 });
    await shown.waitFor({ timeout: 1000 });
    await screenshot(a, 'typing-and-presence');
    await b.fill('[data-testid=composer] input', '');
  });

  it('a block shows the refusal as a readable error, and unblocking lets messages through again', async () => {
    const a = pages[alice];
    const b = pages[bob];
    await b.click('[data-testid=block]');
    await b.locator('[data-testid=block]', { hasText: 'Unblock' }).waitFor();
    await say(a, 'are you there?');
    await line(a, 'are you there?').locator('[data-tick=failed]').waitFor();
    await a.locator('[data-testid=error]', { hasText: 'blocked the other (BLOCKED)' }).waitFor();
    expect(await line(b, 'are you there?').count()).toBe(0);
    await screenshot(a, 'blocked');

    await b.click('[data-testid=block]');
    await b.locator('[data-testid=block]', { hasText: /^Block$/ }).waitFor();
    await say(a, 'and now?');
    await line(b, 'and now?').waitFor();
  });

  it('a group of three: created, a member added, messages to all, a member leaves', async () => {
    const a = pages[alice];
    const b = pages[bob];
    const c = await signIn(carol);

    await a.fill('[data-testid=new-group] input[name=name]', 'team');
    await a.fill('[data-testid=new-group] input[name=members]', bob);
    await a.click('[data-testid=new-group] button');
    await a.locator('[data-testid=peer-bar]', { hasText: '# team' }).waitFor();
    await a.fill('[data-testid=add-member] input', carol);
    await a.click('[data-testid=add-member] button');
    await a.locator('[data-testid=members]', { hasText: carol }).waitFor();

    await conversation(b, '# team').click();
    await conversation(c, '# team').click();
    await say(b, 'hi team');
    await line(a, 'hi team').waitFor();
    await line(c, 'hi team').waitFor();
    await say(c, 'hello both');
    await line(a, 'hello both').waitFor();
    await line(b, 'hello both').waitFor();
    await screenshot(c, 'group');

    await c.click('[data-testid=leave]');
    await conversation(c, '# team').waitFor({ state: 'detached' });
    await line(a, `${carol} left`).waitFor();
    await a.locator('[data-testid=members]', { hasText: carol }).waitFor({ state: 'detached' });
    await screenshot(a, 'group-member-left');
  });

  it('loads older history as the reader scrolls up (infinite scroll)', async () => {
    const c = pages[carol];
    const admin = adminApi(engine.url);
    const n = 75; // two and a half pages of 30
    for (let i = 1; i <= n; i++) {
      const res = await admin.post('messages', { sender: alice, recipient: carol, text: `old ${String(i).padStart(3, '0')}`, client_message_id: `scroll-${i}` });
      expect(res.status).toBe(202);
    }
    await eventually(async () => (await admin.get(`users/${carol}/conversations/${alice}/messages?limit=200`)).body.items.length === n, 30_000, 'messages stored');
    await c.reload();
    await connected(c);
    await conversation(c, alice).click();
    const shown = c.locator('[data-testid=messages] .line');
    await line(c, `old ${String(n).padStart(3, '0')}`).waitFor();
    expect(await shown.count()).toBe(30);
    for (let page = 2; page <= 3; page++) {
      await c.locator('[data-testid=messages]').evaluate((box) => (box.scrollTop = 0));
      await eventually(async () => (await shown.count()) === Math.min(30 * page, n), 15_000, `page ${page} of the history`);
    }
    await line(c, 'old 001').waitFor();
    await screenshot(c, 'history-scrolled-to-the-start');
  });

  it('the Swagger UI works under the CSP: authorize with the admin key, run GET /admin/v1/users, see 200', async () => {
    const page = await newPage();
    await page.goto(`${engine.url}/docs`);
    await page.click('button.authorize');
    await page.locator('.modal-ux input[type=text], .modal-ux input[type=password]').first().fill(TEST_ADMIN_API_KEY);
    await page.locator('.modal-ux button.authorize').first().click();
    await page.locator('.modal-ux button.btn-done, .modal-ux button.close-modal').first().click();
    const op = page.locator('.opblock-get', { has: page.locator('.opblock-summary-path[data-path="/admin/v1/users"]') });
    await op.locator('.opblock-summary').click();
    await op.locator('button.try-out__btn').click();
    await op.locator('button.execute').click();
    await op.locator('.live-responses-table .response .response-col_status', { hasText: '200' }).first().waitFor();
    await screenshot(page, 'swagger-admin-users-200');
  });

  it('after the broker node restarts, the pages reconnect by themselves (with renewed tokens) and the next message goes through', async () => {
    const a = pages[alice];
    const b = pages[bob];
    await conversation(a, bob).click();
    await conversation(b, alice).click();
    // Tokens live 60 s here: once the first ones have expired, only renewed ones can reconnect.
    const expired = Math.max(signedInAt[alice], signedInAt[bob]) + (TOKEN_TTL_SECONDS + 2) * 1000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expired - Date.now())));
    expect(refreshes[alice]).toBeGreaterThan(0);
    expect(refreshes[bob]).toBeGreaterThan(0);

    await stack('stop', 'rabbitmq');
    await a.locator('[data-testid=connection]:not([data-state=connected])').waitFor();
    await screenshot(a, 'broker-down');
    await stack('start', 'rabbitmq');
    await waitForStatus(`${engine.url}/health/ready`, 200, 60_000);
    await connected(a, 90_000);
    await connected(b, 90_000);

    await say(a, 'back after the restart');
    await line(b, 'back after the restart').waitFor({ timeout: 30_000 });
    await line(a, 'back after the restart').locator('[data-tick=read]').waitFor();
    await screenshot(a, 'reconnected');
  }, 300_000);

  it('a person who signs out shows as offline to those who watch them', async () => {
    const a = pages[alice];
    await conversation(a, bob).click();
    await a.locator('[data-testid=peer-bar] [data-testid=presence][data-status=online]').waitFor();
    await pages[bob].click('header button');
    await pages[bob].locator('[data-testid=sign-in]').waitFor();
    await a.locator('[data-testid=peer-bar] [data-testid=presence][data-status=offline]').waitFor();
  });

  it('no page threw, and the Content-Security-Policy refused nothing', () => {
    expect(problems).toEqual([]);
  });
});
