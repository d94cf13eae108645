// Small shared pieces of the console's screens.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { S3Failure } from './s3.js';

export function formatBytes(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

export function formatDate(s: string): string {
  if (!s) return '';
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? s : d.toLocaleString();
}

/** What a failure says to a person: S3's code and message, never a stack. */
export function describeError(err: unknown): string {
  if (err instanceof S3Failure) return err.toString();
  if (err instanceof DOMException && err.name === 'AbortError') return 'Cancelled.';
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * A form's action: busy while it runs (its button disabled), its failure kept to show, the last
 * failure cleared when it starts again.
 */
export function useAction(): { busy: boolean; error: unknown; run: (action: () => Promise<void>) => Promise<void> } {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const run = async (action: () => Promise<void>): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}

export function ErrorBox({ error, onClose }: { error: unknown; onClose?: () => void }) {
  if (error === undefined || error === null || error === '') return null;
  return (
    <div class="error" role="alert" data-testid="error">
      <span>{typeof error === 'string' ? error : describeError(error)}</span>
      {onClose && (
        <button type="button" class="link" onClick={onClose} aria-label="Dismiss">
          ×
        </button>
      )}
    </div>
  );
}

export function Modal({ title, onClose, children }: { title: string; onClose: () => void; children: ComponentChildren }) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') onClose();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions lint/a11y/useKeyWithClickEvents: a click beside the dialog closes it; Escape and the × button do for keyboards
    <div
      class="modal-back"
      onClick={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <div class="modal" role="dialog" aria-modal="true" aria-label={title}>
        <header>
          <h2>{title}</h2>
          <button type="button" class="link" onClick={onClose} aria-label="Close">
            ×
          </button>
        </header>
        {children}
      </div>
    </div>
  );
}

/** A bar's state: still moving, complete, or stopped short (failed or cancelled), which is drawn as such and never as full. */
export type BarState = 'active' | 'done' | 'failed' | 'cancelled';

export function ProgressBar({ value, max, label, name, state = 'active' }: { value: number; max: number; label: string; name?: string; state?: BarState }) {
  // An empty thing (max 0) is complete once done, and shows nothing while going or when stopped.
  const pct = max > 0 ? Math.min(100, (value / max) * 100) : state === 'done' ? 100 : 0;
  return (
    <div class={`progress ${state}`} role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={max} aria-valuenow={value} data-name={name} data-state={state}>
      <div class="bar" style={{ width: `${pct}%` }} />
    </div>
  );
}

/** Copy text to the clipboard; where the Clipboard API is missing (plain HTTP off localhost), select it for Ctrl+C. */
export async function copyText(text: string, fallback?: HTMLInputElement | null): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (fallback) {
      fallback.select();
      return document.execCommand('copy');
    }
    return false;
  }
}
