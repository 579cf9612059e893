import { request } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { pino } from 'pino';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildDashboard } from '../../scripts/build-dashboard.mjs';
import { createGateway, type Gateway } from '../../src/gateway/create-gateway.js';
import { startHttpServer, type RunningServer } from '../../src/server/http-server.js';
import type { FakeServer } from '../fakes/fake-server.js';
import { startOpenAIFake } from '../fakes/openai-fake.js';
import { launchBrowser, requestsLeaving, screenshot, type TestBrowser } from '../support/browser.js';
import { parseCsv } from '../support/csv.js';

const adminKey = 'dashboard-admin-key';
const teamKey = 'sk-team-dashboard-0123456789';
const messages = [{ role: 'user' as const, content: 'Invent a new holiday and describe its traditions.' }];
const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 6 });

interface LedgerRow {
  id: number;
  provider: string | null;
  status: number;
  cost_usd: number | null;
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A GET sent with its path exactly as written: fetch would resolve the dot segments before sending. */
function rawGet(origin: string, rawPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(`${origin}/`, { path: rawPath }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}

describe('the dashboard', () => {
  let primary: FakeServer;
  let backup: FakeServer;
  let gateway: Gateway;
  let server: RunningServer;
  let browser: TestBrowser;
  let buildDir: string;
  let client: OpenAI;
  const admin = async <T>(pathname: string): Promise<T> => {
    const response = await fetch(`${server.url}${pathname}`, { headers: { authorization: `Bearer ${adminKey}` } });
    if (!response.ok) throw new Error(`${pathname}: HTTP ${response.status}`);
    return (await response.json()) as T;
  };
  const ledger = async (query = '') => (await admin<{ data: LedgerRow[] }>(`/admin/requests?limit=500${query}`)).data;

  const signIn = async (page: Page, view = 'overview', key = adminKey) => {
    await page.goto(`${server.url}/dashboard#/${view}`);
    await page.getByLabel('Admin key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };

  beforeAll(async () => {
    buildDir = await mkdtemp(path.join(tmpdir(), 'tokenpak-dashboard-'));
    await buildDashboard(buildDir);
    primary = await startOpenAIFake('openai/openai-text');
    backup = await startOpenAIFake('openai-compatible/xai-text');
    gateway = await createGateway({
      config: {
        admin: { api_key: adminKey },
        keys: [{ name: 'team-a', key: teamKey }],
        usage: { db_path: ':memory:' },
        cache: { enabled: false },
        providers: { primary: { type: 'openai', base_url: `${primary.url}/v1` }, backup: { type: 'openai-compatible', base_url: `${backup.url}/v1` } },
        routing: { primary: 'primary', fallback: 'backup', strategies: [{ provider: 'backup', models: ['grok-*'] }] },
      },
      env: {},
      logger: pino({ level: 'silent' }),
    });
    server = await startHttpServer(gateway, { host: '127.0.0.1', port: 0 }, { dashboardDir: buildDir });
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'sk-dashboard-client', maxRetries: 0 });
    for (let i = 0; i < 3; i++) await client.chat.completions.create({ model: 'gpt-4.1-nano', messages });
    for (let i = 0; i < 2; i++) await client.chat.completions.create({ model: 'grok-3-mini', messages });
    browser = await launchBrowser();
  });

  afterEach(() => {
    expect(requestsLeaving(browser.requested, new URL(server.url).origin)).toEqual([]);
    expect(browser.problems.filter((problem) => /Content Security Policy/i.test(problem))).toEqual([]);
    // The key travels only in the Authorization header: never in an address (which logs and proxies keep).
    expect(browser.requested.filter((url) => [adminKey, teamKey].some((key) => url.includes(key) || url.includes(encodeURIComponent(key))))).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await gateway?.close();
    await Promise.all([primary?.close(), backup?.close()]);
    if (buildDir) await rm(buildDir, { recursive: true, force: true });
  });

  it('serves the built page and its assets with a strict CSP, and nothing else under /dashboard', async () => {
    const page = await fetch(`${server.url}/dashboard`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="(\/dashboard\/[^"]+)"/g)].map((match) => match[1] as string);
    expect(assets.map((asset) => path.extname(asset)).sort()).toEqual(['.css', '.js']);
    expect(html).not.toMatch(/https?:\/\//);
    for (const asset of assets) {
      const response = await fetch(`${server.url}${asset}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(asset.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8');
      expect(response.headers.get('cache-control')).toContain('immutable');
    }
    const origin = new URL(server.url).origin;
    for (const probe of ['/dashboard/manifest.json', '/dashboard/../package.json', '/dashboard/..%2f..%2fpackage.json', '/dashboard/%2e%2e/%2e%2e/package.json', '/dashboard/index.html/..']) {
      expect(await rawGet(origin, probe), probe).toBe(404);
    }
  });

  it('refuses a wrong admin key and shows no data', async () => {
    const page = await browser.newPage();
    await signIn(page, 'overview', 'not-the-admin-key');
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/admin key/);
    expect(await page.locator('.card, table').count()).toBe(0);
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    await screenshot(page, 'login-refused');
    await page.close();
  });

  it('loads with the right key and shows the traffic: request count and spend match the ledger', async () => {
    await waitFor(async () => (await ledger()).length === 5);
    const rows = await ledger();
    const ledgerSpend = rows.reduce((total, row) => total + (row.cost_usd ?? 0), 0);
    expect(ledgerSpend).toBeGreaterThan(0);

    const page = await browser.newPage();
    await signIn(page);
    const figure = (name: string) => page.locator(`[data-figure="${name}"] .figure`);
    await expect.poll(() => figure('requests').textContent()).toBe('5');
    expect(await figure('spend').textContent()).toBe(usd.format(ledgerSpend));
    expect(await figure('errors').textContent()).toBe('0.0 %');
    await screenshot(page, 'overview');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'overview-dark');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'overview-phone');
    await page.close();
  });

  it('narrows the requests table with a filter, and opens a request in the drawer', async () => {
    const page = await browser.newPage();
    await signIn(page, 'requests');
    const rows = page.locator('table.requests tbody tr');
    await expect.poll(() => rows.count()).toBe((await ledger()).length);
    await page.getByLabel('Provider').selectOption('backup');
    await expect.poll(() => page.locator('table.requests').getAttribute('data-query')).toContain('provider=backup');
    const backupRows = await ledger('&provider=backup');
    expect(backupRows.length).toBe(2);
    expect(await rows.count()).toBe(backupRows.length);
    expect(await rows.locator('td:nth-child(2)').allTextContents()).toEqual(backupRows.map(() => 'backup'));
    await screenshot(page, 'requests');
    await rows.first().getByRole('button').click();
    const drawer = page.getByRole('dialog');
    await expect.poll(() => drawer.textContent()).toContain(`Request ${backupRows[0]?.id}`);
    await screenshot(page, 'request-drawer');
    await expect.poll(() => drawer.locator(':focus').count()).toBe(1);
    await page.keyboard.press('Escape');
    await expect.poll(() => drawer.count()).toBe(0);
    await page.close();
  });

  it('exports exactly the filtered rows as CSV', async () => {
    const page = await browser.newPage();
    await signIn(page, 'requests');
    await page.getByLabel('Provider').selectOption('primary');
    await expect.poll(() => page.locator('table.requests').getAttribute('data-query')).toContain('provider=primary');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toBe('tokenpak-requests.csv');
    const exported = parseCsv(await readFile(await download.path(), 'utf8'));
    const expected = await ledger('&provider=primary');
    expect(expected.length).toBeGreaterThan(0);
    expect(exported.map((row) => Number(row.id))).toEqual(expected.map((row) => row.id));
    expect(new Set(exported.map((row) => row.provider))).toEqual(new Set(['primary']));
    await page.close();
  });

  it('forces a provider down after confirmation: its traffic goes to the fallback and the page shows the state', async () => {
    const page = await browser.newPage();
    await signIn(page, 'providers');
    // Escape cancels, and the keyboard is back on the button that asked.
    await page.getByRole('button', { name: 'Force primary down' }).click();
    // The dialog listens for Escape once it has taken the focus: pressed earlier, the key would go nowhere.
    await expect.poll(() => page.getByRole('alertdialog').locator(':focus').count()).toBe(1);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('alertdialog').count()).toBe(0);
    await expect.poll(() => page.locator(':focus').getAttribute('aria-label')).toBe('Force primary down');
    await page.getByRole('button', { name: 'Force primary down' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => page.locator('[data-provider="primary"] [data-state]').getAttribute('data-state')).toBe('down');
    await screenshot(page, 'providers');
    try {
      const before = backup.requests.length;
      await client.chat.completions.create({ model: 'gpt-4.1-nano', messages });
      expect(backup.requests.length).toBe(before + 1);
    } finally {
      await page.getByRole('button', { name: 'Force primary auto' }).click();
      await page.getByRole('alertdialog').getByRole('button', { name: 'Confirm' }).click();
      await expect.poll(() => page.locator('[data-provider="primary"] [data-state]').getAttribute('data-state')).toBe('up');
      await page.close();
    }
  });

  it('shows spend by provider in the cost view, and a new key once in the keys view', async () => {
    const page = await browser.newPage();
    await signIn(page, 'cost');
    const providerRows = page.locator('table[data-totals="provider"] tbody th');
    await expect.poll(() => providerRows.allTextContents()).toEqual(expect.arrayContaining(['primary', 'backup']));
    await screenshot(page, 'cost');
    await page.goto(`${server.url}/dashboard#/keys`);
    await page.getByLabel('Name').fill('team-dashboard');
    await page.getByRole('button', { name: 'Issue key' }).click();
    await expect.poll(() => page.locator('.once code').textContent()).toMatch(/\S{20,}/);
    await screenshot(page, 'keys');
    await page.close();
  });

  it("shows a team signed in with its virtual key its own usage only, and none of the operator's views", async () => {
    const team = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: teamKey, maxRetries: 0 });
    await team.chat.completions.create({ model: 'gpt-4.1-nano', messages });
    const page = await browser.newPage();
    await signIn(page, 'overview', teamKey);
    await expect.poll(() => page.locator('[data-figure="requests"] .figure').textContent()).toBe('1');
    await expect.poll(() => page.getByRole('navigation', { name: 'Views' }).getByRole('link').allTextContents()).toEqual(['Overview', 'Requests', 'Cost']);
    expect(await page.getByRole('status').filter({ hasText: 'team-a' }).count()).toBe(1);
    await page.goto(`${server.url}/dashboard#/requests`);
    await expect.poll(() => page.locator('table.requests tbody tr').count()).toBe(1);
    await screenshot(page, 'team-requests');
    await page.close();

    // The operator's keys view shows what the key spent today.
    const spent = (await ledger('&key=team-a')).reduce((total, row) => total + (row.cost_usd ?? 0), 0);
    const operator = await browser.newPage();
    await signIn(operator, 'keys');
    await expect.poll(() => operator.locator('tr[data-key-id]').filter({ has: operator.getByRole('rowheader', { name: 'team-a', exact: true }) }).locator('[data-spent]').textContent()).toBe(usd.format(spent));
    await operator.close();
  });
});
