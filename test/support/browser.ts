import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium, which `.ci/run` installs when it is missing. */
export const chromiumPath = '/usr/bin/chromium';

/** Where screenshots go; git ignores it. */
export const artifactsDir = path.resolve(import.meta.dirname, '../artifacts');

/** Nothing Chromium does on its own (updates, sync, safe browsing) may reach the network while a test runs. */
const quietFlags = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface TestBrowser {
  context: BrowserContext;
  /** Every URL a page in this browser asked for, in order. */
  requested: string[];
  /** Console errors and page errors (a CSP violation shows here). */
  problems: string[];
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

/** A headless Chromium with a fresh profile, recording each request its pages make. */
export async function launchBrowser(): Promise<TestBrowser> {
  const profile = await mkdtemp(path.join(tmpdir(), 'tokenpak-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: quietFlags,
    acceptDownloads: true,
    viewport: { width: 1280, height: 800 },
  });
  const requested: string[] = [];
  const problems: string[] = [];
  context.on('request', (request) => requested.push(request.url()));
  const watch = (page: Page) => {
    page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
    page.on('pageerror', (error) => problems.push(error.message));
  };
  context.on('page', watch);
  return {
    context,
    requested,
    problems,
    async newPage(viewport) {
      const page = await context.newPage();
      if (viewport) await page.setViewportSize(viewport);
      return page;
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** The requests that went anywhere but `origin` (a blob: URL made by the page counts as the page's origin). */
export function requestsLeaving(requested: readonly string[], origin: string): string[] {
  return requested.filter((url) => !url.startsWith('data:') && new URL(url).origin !== origin);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(artifactsDir, { recursive: true });
  const file = path.join(artifactsDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
