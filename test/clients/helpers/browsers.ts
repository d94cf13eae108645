// The two browsers a console scenario runs in: Debian's chromium, driven by playwright-core over
// CDP, and Debian's firefox-esr, driven by puppeteer-core over WebDriver BiDi, which Firefox speaks
// natively (playwright-core can drive only its own patched Firefox build, and geckodriver is not
// packaged by Debian). Neither library downloads a browser.
import { after, before } from 'node:test';
import type { TestContext } from 'node:test';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
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

  constructor(readonly page: Page) {
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

/** The playwright-core page under a Chromium page, for a test that needs what only Playwright has (its clock, its request events). */
export function playwrightPageOf(page: BrowserPage): Page {
  if (!(page instanceof ChromiumPage)) throw new Error(`a ${page.browser} page has no playwright-core page`);
  return page.page;
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

/** A browser that opens a test a fresh page, in a context of its own (storage and permissions apart), closed when the test ends. */
export interface Browser {
  readonly name: BrowserName;
  openPage(t: TestContext, opts: OpenOptions): Promise<BrowserPage>;
}

interface Launched {
  newPage(t: TestContext, opts: OpenOptions): Promise<BrowserPage>;
  close(): Promise<void>;
}

async function launch(name: BrowserName): Promise<Launched> {
  const executablePath = BROWSERS[name].executable;
  if (executablePath === undefined) throw new Error(`${name} is not installed`);
  const viewportOf = (opts: OpenOptions) => ({ width: opts.width ?? 1200, height: opts.height ?? 760 });
  if (name === 'chromium') {
    // Root (CI containers) cannot use Chromium's sandbox.
    const b = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
    return {
      async newPage(t, opts) {
        const context = await b.newContext({ viewport: viewportOf(opts), acceptDownloads: true });
        t.after(() => context.close());
        await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: opts.origin });
        return new ChromiumPage(await context.newPage());
      },
      close: () => b.close(),
    };
  }
  const downloads = await mkdtemp(join(tmpdir(), 'coffer-firefox-downloads-'));
  const b = await puppeteer
    .launch({
      browser: 'firefox',
      executablePath,
      headless: true,
      extraPrefsFirefox: {
        // navigator.clipboard.readText() without Firefox's paste prompt (writeText needs no such help).
        'dom.events.testing.asyncClipboard': true,
        // Downloads go straight to a folder the test reads, for every context of the browser.
        'browser.download.folderList': 2,
        'browser.download.dir': downloads,
        'browser.download.useDownloadDir': true,
        'browser.download.always_ask_before_handling_new_types': false,
        'browser.download.alwaysOpenPanel': false,
      },
    })
    .catch(async (err: unknown) => {
      await rm(downloads, { recursive: true, force: true });
      throw err;
    });
  return {
    async newPage(t, opts) {
      // A WebDriver BiDi user context: Firefox's equivalent of a fresh profile, without a new process.
      const context = await b.createBrowserContext();
      t.after(() => context.close());
      const page = await context.newPage();
      await page.setViewport(viewportOf(opts));
      return new FirefoxPage(page, downloads);
    },
    async close() {
      await b.close();
      await rm(downloads, { recursive: true, force: true });
    },
  };
}

/**
 * One browser for all the tests of a file (a launch of Firefox takes seconds; a context, a fifth
 * of one): launched in a before() hook when installed, closed in an after() hook. Each page is in
 * a context of its own. Not for a file with a top-level before() of its own (see testCofferForFile).
 */
export function browserForFile(name: BrowserName): Browser {
  let launched: Promise<Launched> | undefined;
  before(async () => {
    if (BROWSERS[name].executable === undefined) return;
    launched = launch(name);
    await launched;
  });
  after(async () => {
    await (await launched?.catch(() => undefined))?.close();
  });
  return {
    name,
    async openPage(t, opts) {
      if (launched === undefined) throw new Error(`${name} was not launched: it is not installed, or the page was opened before the file's before() hook ran`);
      return (await launched).newPage(t, opts);
    },
  };
}
