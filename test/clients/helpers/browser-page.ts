// One page of a real browser, behind a small interface that a scenario is written against once and
// run in each browser: Chromium (Debian's chromium, driven by playwright-core over CDP) and
// Firefox (Debian's firefox-esr, driven by puppeteer-core over WebDriver BiDi, which Firefox
// speaks natively; playwright-core can drive only its own patched Firefox build).
//
// Elements are named as a user sees them (a role and accessible name, a label, a test id, text)
// or by CSS. The name is resolved inside the page by one function, the same in both browsers;
// the element found is tagged, and the browser's own driver then clicks or types on it with real
// input events (which Firefox's clipboard needs as user activation).
import type { TestContext } from 'node:test';
import { mkdir, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Page } from 'playwright-core';
import puppeteer from 'puppeteer-core';
import type { Page as PuppeteerPage } from 'puppeteer-core';
import { clientPresence, findCommand } from './run.js';
import type { ClientPresence } from './run.js';

export type BrowserName = 'chromium' | 'firefox';

/**
 * What to act on. A CSS string, or what a user sees: a role with its accessible name (an exact,
 * whitespace-collapsed match), a form control by its label or aria-label, a data-testid, or an
 * element whose text contains `text`; `within` narrows the search to the first match of another target.
 */
export type Target =
  | string
  | { role?: 'button' | 'link' | 'heading' | 'dialog' | 'navigation'; name?: string; label?: string; testId?: string; text?: string; css?: string; within?: Target };

export interface Download {
  filename: string;
  bytes: Buffer;
}

export interface BrowserPage {
  readonly browser: BrowserName;
  /** Uncaught errors the page threw. */
  readonly pageErrors: string[];
  goto(url: string): Promise<void>;
  url(): Promise<string>;
  reload(): Promise<void>;
  /** Wait until `target` is visible ('visible', the default), present at all ('attached'), or gone ('detached'). */
  waitFor(target: Target, opts?: { state?: 'visible' | 'attached' | 'detached'; timeoutMs?: number }): Promise<void>;
  count(target: Target): Promise<number>;
  click(target: Target): Promise<void>;
  /** Replace the text of an input. */
  fill(target: Target, value: string): Promise<void>;
  check(target: Target): Promise<void>;
  select(target: Target, value: string): Promise<void>;
  press(target: Target, key: 'Enter'): Promise<void>;
  text(target: Target): Promise<string>;
  value(target: Target): Promise<string>;
  attribute(target: Target, name: string): Promise<string | null>;
  isDisabled(target: Target): Promise<boolean>;
  setInputFiles(target: Target, paths: string[]): Promise<void>;
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  /** Poll `fn` in the page until it returns a truthy value. */
  waitForFunction<A>(fn: (arg: A) => unknown, arg: A, timeoutMs?: number): Promise<void>;
  /** Run `fn` in every document before its own scripts (the page's globals as a test sets them). */
  addInitScript<A>(fn: (arg: A) => void, arg: A): Promise<void>;
  screenshot(path: string): Promise<void>;
  setViewport(width: number, height: number): Promise<void>;
  /** Answer every alert, confirm and prompt: accepted, a prompt with what `answer` returns. */
  onDialog(answer: (type: string, message: string) => string | undefined): void;
  /** Click `target` and return the file the browser downloads. */
  download(target: Target): Promise<Download>;
  /**
   * Drag files and folders from disk onto `target`, as the operating system would: only Chromium's
   * protocol (CDP Input.dispatchDragEvent) can. WebDriver BiDi and Marionette have no file drag,
   * so in Firefox this throws.
   */
  dropPaths(target: Target, paths: string[]): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** A found element is clickable (enabled, still) within this, or it was replaced and is found again. */
const ACTION_TIMEOUT_MS = 10_000;
const POLL_MS = 40;

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

type Resolved = { count: number; id?: string };

/**
 * Runs in the page: find `target`'s matches, tag the first visible one (or the first, for
 * 'attached') with data-drv, and say how many matched. Self-contained, as it is serialised.
 */
function resolveInPage(arg: { target: Target; id: string; visibleOnly: boolean }): Resolved {
  const norm = (s: string | null | undefined): string => (s ?? '').replace(/\s+/g, ' ').trim();
  const visible = (el: Element): boolean => {
    if (el.getClientRects().length === 0) return false;
    const style = getComputedStyle(el);
    return style.visibility !== 'hidden';
  };
  const ownText = (label: Element): string => {
    // A label's text without the text of the control inside it (a select's options).
    const copy = label.cloneNode(true) as Element;
    for (const c of Array.from(copy.querySelectorAll('select, textarea'))) c.remove();
    return norm(copy.textContent);
  };
  const nameOf = (el: Element): string => {
    const aria = el.getAttribute('aria-label');
    if (aria !== null) return norm(aria);
    if (el instanceof HTMLInputElement && (el.type === 'submit' || el.type === 'button')) return norm(el.value);
    return norm(el.textContent);
  };
  const ROLE: Record<string, string> = {
    button: 'button, [role="button"], input[type="submit"], input[type="button"]',
    link: 'a[href], [role="link"]',
    heading: 'h1, h2, h3, h4, h5, h6, [role="heading"]',
    dialog: 'dialog, [role="dialog"]',
    navigation: 'nav, [role="navigation"]',
  };
  const find = (t: Target, scope: ParentNode): Element[] => {
    if (typeof t === 'string') return Array.from(scope.querySelectorAll(t));
    let root: ParentNode = scope;
    if (t.within !== undefined) {
      const outer = find(t.within, scope).filter(visible)[0];
      if (!outer) return [];
      root = outer;
    }
    let found: Element[];
    if (t.css !== undefined) found = Array.from(root.querySelectorAll(t.css));
    else if (t.testId !== undefined) found = Array.from(root.querySelectorAll(`[data-testid="${CSS.escape(t.testId)}"]`));
    else if (t.role !== undefined) found = Array.from(root.querySelectorAll(ROLE[t.role] ?? t.role));
    else if (t.label !== undefined) {
      const want = norm(t.label);
      found = Array.from(root.querySelectorAll('input, select, textarea')).filter((el) => {
        if (el.getAttribute('aria-label') !== null) return norm(el.getAttribute('aria-label')) === want;
        const labels = (el as HTMLInputElement).labels;
        return labels !== null && Array.from(labels).some((l) => ownText(l) === want);
      });
    } else if (t.text !== undefined) {
      // The innermost elements whose text contains it.
      const within = root instanceof Element ? [root, ...Array.from(root.querySelectorAll('*'))] : Array.from(root.querySelectorAll('*'));
      const all = within.filter((el) => norm(el.textContent).includes(norm(t.text)));
      found = all.filter((el) => !all.some((other) => other !== el && el.contains(other)));
    } else found = [];
    if (t.name !== undefined) found = found.filter((el) => nameOf(el) === norm(t.name));
    return found;
  };
  for (const old of Array.from(document.querySelectorAll(`[data-drv="${arg.id}"]`))) old.removeAttribute('data-drv');
  const matches = find(arg.target, document);
  const shown = matches.filter(visible);
  const pick = arg.visibleOnly ? shown[0] : matches[0];
  if (pick) pick.setAttribute('data-drv', arg.id);
  return { count: arg.visibleOnly ? shown.length : matches.length, id: pick ? arg.id : undefined };
}

function describe(t: Target): string {
  return typeof t === 'string' ? t : JSON.stringify(t);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What both drivers share: finding elements by what a user sees, and waiting for them. */
abstract class BasePage implements BrowserPage {
  abstract readonly browser: BrowserName;
  readonly pageErrors: string[] = [];
  private nextId = 0;

  abstract goto(url: string): Promise<void>;
  abstract url(): Promise<string>;
  abstract reload(): Promise<void>;
  abstract evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  abstract addInitScript<A>(fn: (arg: A) => void, arg: A): Promise<void>;
  abstract screenshot(path: string): Promise<void>;
  abstract setViewport(width: number, height: number): Promise<void>;
  abstract onDialog(answer: (type: string, message: string) => string | undefined): void;
  abstract download(target: Target): Promise<Download>;
  abstract dropPaths(target: Target, paths: string[]): Promise<void>;
  protected abstract clickCss(css: string): Promise<void>;
  protected abstract fillCss(css: string, value: string): Promise<void>;
  protected abstract selectCss(css: string, value: string): Promise<void>;
  protected abstract pressCss(css: string, key: string): Promise<void>;
  protected abstract setFilesCss(css: string, paths: string[]): Promise<void>;

  /** The CSS selector of `target`'s element, once exactly one is visible (or attached). */
  protected async locate(target: Target, visibleOnly = true, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string> {
    const id = `d${this.nextId++}`;
    const deadline = Date.now() + timeoutMs;
    let last: Resolved = { count: 0 };
    for (;;) {
      last = await this.evaluate(resolveInPage, { target, id, visibleOnly });
      if (last.count === 1 && last.id) return `[data-drv="${last.id}"]`;
      if (last.count > 1) throw new Error(`${describe(target)} matches ${last.count} elements in ${this.browser}`);
      if (Date.now() > deadline) throw new Error(`${describe(target)} did not appear in ${this.browser} within ${timeoutMs} ms; the page showed: ${await this.shown()}`);
      await sleep(POLL_MS);
    }
  }

  async waitFor(target: Target, opts: { state?: 'visible' | 'attached' | 'detached'; timeoutMs?: number } = {}): Promise<void> {
    const state = opts.state ?? 'visible';
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await this.evaluate(resolveInPage, { target, id: 'wait', visibleOnly: state === 'visible' });
      if (state === 'detached' ? r.count === 0 : r.count > 0) return;
      if (Date.now() > deadline) throw new Error(`${describe(target)} was not ${state} in ${this.browser} within ${timeoutMs} ms; the page showed: ${await this.shown()}`);
      await sleep(POLL_MS);
    }
  }

  /** The page's visible text, shortened: what a failure message shows of the page. */
  private async shown(): Promise<string> {
    // innerText, not textContent: what is rendered, with the words of neighbouring cells apart.
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is the point
    const text = await this.evaluate(() => document.body?.innerText ?? '', null).catch((err: unknown) => `(unreadable: ${String(err)})`);
    const flat = text.replace(/\s+/g, ' ').trim();
    return flat.length > 1500 ? `${flat.slice(0, 1500)}…` : flat;
  }

  async count(target: Target): Promise<number> {
    return (await this.evaluate(resolveInPage, { target, id: 'count', visibleOnly: false })).count;
  }

  /**
   * Act on `target`'s element. The page may replace that element between finding and acting (a
   * re-render); then the tag is gone with it, and the element is found again.
   */
  private async act(target: Target, action: (css: string) => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const css = await this.locate(target);
      try {
        return await action(css);
      } catch (err) {
        const gone = await this.evaluate((s) => document.querySelector(s) === null, css).catch(() => false);
        if (!gone || attempt >= 3) throw err;
      }
    }
  }

  async click(target: Target): Promise<void> {
    await this.act(target, (css) => this.clickCss(css));
  }

  async fill(target: Target, value: string): Promise<void> {
    await this.act(target, (css) => this.fillCss(css, value));
  }

  async check(target: Target): Promise<void> {
    const css = await this.locate(target);
    if (!(await this.evaluate((s) => (document.querySelector(s) as HTMLInputElement).checked, css))) await this.clickCss(css);
    await this.waitForFunction((s) => (document.querySelector(s) as HTMLInputElement | null)?.checked, css, 5000);
  }

  async select(target: Target, value: string): Promise<void> {
    await this.act(target, (css) => this.selectCss(css, value));
  }

  async press(target: Target, key: 'Enter'): Promise<void> {
    await this.act(target, (css) => this.pressCss(css, key));
  }

  async text(target: Target): Promise<string> {
    const css = await this.locate(target, false);
    return this.evaluate((s) => document.querySelector(s)?.textContent ?? '', css);
  }

  async value(target: Target): Promise<string> {
    const css = await this.locate(target, false);
    return this.evaluate((s) => (document.querySelector(s) as HTMLInputElement).value, css);
  }

  async attribute(target: Target, name: string): Promise<string | null> {
    const css = await this.locate(target, false);
    return this.evaluate(({ s, name }) => document.querySelector(s)?.getAttribute(name) ?? null, { s: css, name });
  }

  async isDisabled(target: Target): Promise<boolean> {
    const css = await this.locate(target, false);
    return this.evaluate((s) => (document.querySelector(s) as HTMLButtonElement).disabled, css);
  }

  async setInputFiles(target: Target, paths: string[]): Promise<void> {
    await this.setFilesCss(await this.locate(target, false), paths);
  }

  async waitForFunction<A>(fn: (arg: A) => unknown, arg: A, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await this.evaluate(fn, arg))) {
      if (Date.now() > deadline) throw new Error(`${fn.toString().slice(0, 120)} stayed false in ${this.browser} for ${timeoutMs} ms`);
      await sleep(POLL_MS);
    }
  }

  /** The centre of `target` in CSS pixels of the viewport, scrolled into view. */
  protected center(css: string): Promise<{ x: number; y: number }> {
    return this.evaluate((s) => {
      const el = document.querySelector(s)!;
      el.scrollIntoView({ block: 'center' });
      const r = el.getBoundingClientRect();
      return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
    }, css);
  }
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
  onDialog(answer: (type: string, message: string) => string | undefined): void {
    this.page.on('dialog', (d) => void d.accept(answer(d.type(), d.message())));
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
  onDialog(answer: (type: string, message: string) => string | undefined): void {
    this.page.on('dialog', (d) => void d.accept(answer(d.type(), d.message())));
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
