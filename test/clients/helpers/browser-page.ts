// One page of a real browser, behind a small interface that a scenario is written against once and
// run in each browser (the drivers are in browsers.ts: Chromium through playwright-core over CDP,
// Firefox through puppeteer-core over WebDriver BiDi).
//
// Elements are named as a user sees them (a role and accessible name, a label, a test id, text)
// or by CSS. The name is resolved inside the page by one function, the same in both browsers;
// the element found is tagged, and the browser's own driver then clicks or types on it with real
// input events (which Firefox's clipboard needs as user activation).

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
  /** Answer every alert, confirm and prompt: accepted (a prompt with the string `answer` returns), or dismissed when it returns false. */
  onDialog(answer: (type: string, message: string) => string | undefined | false): void;
  /** Click `target` and return the file the browser downloads. */
  download(target: Target): Promise<Download>;
  /**
   * Drag files and folders from disk onto `target`, as the operating system would: only Chromium's
   * protocol (CDP Input.dispatchDragEvent) can. WebDriver BiDi and Marionette have no file drag,
   * so in Firefox this throws.
   */
  dropPaths(target: Target, paths: string[]): Promise<void>;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
/** A found element is clickable (enabled, still) within this, or it was replaced and is found again. */
export const ACTION_TIMEOUT_MS = 10_000;
export const POLL_MS = 40;

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

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What both drivers share: finding elements by what a user sees, and waiting for them. */
export abstract class BasePage implements BrowserPage {
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
  abstract onDialog(answer: (type: string, message: string) => string | undefined | false): void;
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
