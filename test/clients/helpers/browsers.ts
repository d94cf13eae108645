// The two browsers a console scenario runs in: Debian's chromium, driven by playwright-core over
// CDP, and Debian's firefox-esr, driven by puppeteer-core over WebDriver BiDi, which Firefox speaks
// natively (playwright-core can drive only its own patched Firefox build, and geckodriver is not
// packaged by Debian). Neither library downloads a browser.
import type { TestContext } from 'node:test';
import { mkdir, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Page } from 'playwright-core';
import puppeteer from 'puppeteer-core';
import type { Page as PuppeteerPage } from 'puppeteer-core';
import { ACTION_TIMEOUT_MS, BasePage, DEFAULT_TIMEOUT_MS, POLL_MS, sleep } from './browser-page.js';
import type { BrowserName, BrowserPage, Download, Target } from './browser-page.js';
import { clientPresence, findCommand } from './run.js';
import type { ClientPresence } from './run.js';

/** The browser executables, where installed. */
export const BROWSERS: Record<BrowserName, { executable: string | undefined; presence: ClientPresence }> = (() => {
  const chromiumPath = process.env.COFFER_CHROMIUM ?? findCommand('chromium') ?? findCommand('chromium-browser');
  const firefoxPath = process.env.COFFER_FIREFOX ?? findCommand('firefox-esr') ?? findCommand('firefox');
  return {
    chromium: { executable: chromiumPath, presence: lazyPresence('chromium', chromiumPath, 'Debian package chromium') },
    firefox: { executable: firefoxPath, presence: lazyPresence('firefox', firefoxPath, 'Debian package firefox-esr') },
  };
})();

function lazyPresence(client: string, path: string | undefined, install: string): ClientPresence {
  // Only the test file that uses a browser reports it missing.
  let value: ClientPresence | undefined;
  return {
    get skip() {
      value ??= clientPresence(client, path !== undefined, install);
      return value.skip;
    },
    get missing() {
      value ??= clientPresence(client, path !== undefined, install);
      return value.missing;
    },
  };
}

class ChromiumPage extends BasePage {
  readonly browser = 'chromium';

  constructor(private readonly page: Page) {
    super();
    page.on('pageerror', (err) => this.pageErrors.push(String(err)));
  }

  async goto(url: string): Promise<void> {
    await this.page.goto(url);
  }
  async url(): Promise<string> {
    return this.page.url();
  }
  async reload(): Promise<void> {
    await this.page.reload();
  }
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R> {
    return this.page.evaluate(fn as (arg: unknown) => R, arg) as Promise<R>;
  }
  async addInitScript<A>(fn: (arg: A) => void, arg: A): Promise<void> {
    await this.page.addInitScript(fn as (arg: unknown) => void, arg);
  }
  async screenshot(path: string): Promise<void> {
    await this.page.screenshot({ path });
  }
  async setViewport(width: number, height: number): Promise<void> {
    await this.page.setViewportSize({ width, height });
  }
  onDialog(answer: (type: string, message: string) => string | undefined | false): void {
    this.page.on('dialog', (d) => {
      const a = answer(d.type(), d.message());
      void (a === false ? d.dismiss() : d.accept(a));
    });
  }
  async download(target: Target): Promise<Download> {
    const css = await this.locate(target);
    const [download] = await Promise.all([this.page.waitForEvent('download'), this.clickCss(css)]);
    return { filename: download.suggestedFilename(), bytes: await readFile((await download.path())!) };
  }
  async dropPaths(target: Target, paths: string[]): Promise<void> {
    const { x, y } = await this.center(await this.locate(target));
    const cdp = await this.page.context().newCDPSession(this.page);
    // A drag from outside the page carrying real files: the browser gives the page File and
    // FileSystemEntry objects backed by them, folders included, as a drop from a file manager does.
    const data = { items: [], files: paths, dragOperationsMask: 1 };
    for (const type of ['dragEnter', 'dragOver', 'drop'] as const) await cdp.send('Input.dispatchDragEvent', { type, x, y, data });
    await cdp.detach();
  }
  protected async clickCss(css: string): Promise<void> {
    await this.page.click(css, { timeout: ACTION_TIMEOUT_MS });
  }
  protected async fillCss(css: string, value: string): Promise<void> {
    await this.page.fill(css, value, { timeout: ACTION_TIMEOUT_MS });
  }
  protected async selectCss(css: string, value: string): Promise<void> {
    await this.page.selectOption(css, value, { timeout: ACTION_TIMEOUT_MS });
  }
  protected async pressCss(css: string, key: string): Promise<void> {
    await this.page.press(css, key, { timeout: ACTION_TIMEOUT_MS });
  }
  protected async setFilesCss(css: string, paths: string[]): Promise<void> {
    await this.page.setInputFiles(css, paths);
  }
}

class FirefoxPage extends BasePage {
  readonly browser = 'firefox';

  constructor(
    private readonly page: PuppeteerPage,
    private readonly downloads: string,
  ) {
    super();
    page.on('pageerror', (err) => this.pageErrors.push(String(err)));
  }

  async goto(url: string): Promise<void> {
    await this.page.goto(url);
  }
  async url(): Promise<string> {
    return this.page.url();
  }
  async reload(): Promise<void> {
    await this.page.reload();
  }
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R> {
    return this.page.evaluate(fn as (arg: unknown) => R, arg) as Promise<R>;
  }
  async addInitScript<A>(fn: (arg: A) => void, arg: A): Promise<void> {
    await this.page.evaluateOnNewDocument(fn, arg);
  }
  async screenshot(path: string): Promise<void> {
    await this.page.screenshot({ path: path as `${string}.png` });
  }
  async setViewport(width: number, height: number): Promise<void> {
    await this.page.setViewport({ width, height });
  }
  onDialog(answer: (type: string, message: string) => string | undefined | false): void {
    this.page.on('dialog', (d) => {
      const a = answer(d.type(), d.message());
      void (a === false ? d.dismiss() : d.accept(a));
    });
  }
  async download(target: Target): Promise<Download> {
    // Firefox saves downloads to the profile's download folder (set at launch) without asking; the
    // file is complete once it has its own name and no .part file is left beside it.
    const before = new Set(await readdir(this.downloads));
    await this.click(target);
    const deadline = Date.now() + DEFAULT_TIMEOUT_MS;
    for (;;) {
      const names = await readdir(this.downloads);
      const fresh = names.filter((n) => !before.has(n) && !n.endsWith('.part'));
      if (fresh.length === 1 && !names.some((n) => n.endsWith('.part'))) {
        const file = join(this.downloads, fresh[0]!);
        if ((await stat(file)).isFile()) return { filename: fresh[0]!, bytes: await readFile(file) };
      }
      if (Date.now() > deadline) throw new Error(`no download appeared in ${this.downloads}: ${names.join(', ')}`);
      await sleep(POLL_MS);
    }
  }
  async dropPaths(): Promise<void> {
    throw new Error('Firefox cannot be made to drag files from disk: WebDriver BiDi and Marionette have no file drag');
  }
  protected async clickCss(css: string): Promise<void> {
    await this.page.locator(css).setTimeout(ACTION_TIMEOUT_MS).click();
  }
  protected async fillCss(css: string, value: string): Promise<void> {
    await this.page.locator(css).setTimeout(ACTION_TIMEOUT_MS).fill(value);
  }
  protected async selectCss(css: string, value: string): Promise<void> {
    await this.page.select(css, value);
  }
  protected async pressCss(css: string, key: string): Promise<void> {
    await this.page.focus(css);
    await this.page.keyboard.press(key as 'Enter');
  }
  protected async setFilesCss(css: string, paths: string[]): Promise<void> {
    const input = await this.page.$(css);
    if (!input) throw new Error(`${css} is gone`);
    await (input as unknown as { uploadFile(...p: string[]): Promise<void> }).uploadFile(...paths);
  }
}

export interface OpenOptions {
  /** The origin whose pages may read the clipboard (the Coffer under test). */
  origin: string;
  width?: number;
  height?: number;
}

/** A fresh browser with one page, closed when the test ends. */
export async function openPage(t: TestContext, browser: BrowserName, opts: OpenOptions): Promise<BrowserPage> {
  const viewport = { width: opts.width ?? 1200, height: opts.height ?? 760 };
  const executablePath = BROWSERS[browser].executable;
  if (executablePath === undefined) throw new Error(`${browser} is not installed`);
  if (browser === 'chromium') {
    // Root (CI containers) cannot use Chromium's sandbox.
    const b = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
    t.after(() => b.close());
    const context = await b.newContext({ viewport, acceptDownloads: true });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: opts.origin });
    return new ChromiumPage(await context.newPage());
  }
  const downloads = await mkdtemp(join(tmpdir(), 'coffer-firefox-downloads-'));
  t.after(() => rm(downloads, { recursive: true, force: true }));
  await mkdir(downloads, { recursive: true });
  const b = await puppeteer.launch({
    browser: 'firefox',
    executablePath,
    headless: true,
    defaultViewport: viewport,
    extraPrefsFirefox: {
      // navigator.clipboard.readText() without Firefox's paste prompt (writeText needs no such help).
      'dom.events.testing.asyncClipboard': true,
      // Downloads go straight to a folder the test reads.
      'browser.download.folderList': 2,
      'browser.download.dir': downloads,
      'browser.download.useDownloadDir': true,
      'browser.download.always_ask_before_handling_new_types': false,
      'browser.download.alwaysOpenPanel': false,
    },
  });
  t.after(() => b.close());
  const pages = await b.pages();
  const page = pages[0] ?? (await b.newPage());
  await page.setViewport(viewport);
  return new FirefoxPage(page, downloads);
}
