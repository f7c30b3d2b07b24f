import { signal } from '@preact/signals';
import type { ComponentChildren } from 'preact';
import { useRef, useState } from 'preact/hooks';

/** The current time, ticking once a second while any countdown is on screen. */
export const now = signal(Date.now());
setInterval(() => (now.value = Date.now()), 1000);

/** `1:05:09`, `4:09`, `0:03` until `until`; '' once it has passed. */
export function countdown(until: string | undefined, from = now.value): string {
  if (!until) return '';
  const left = Math.ceil((Date.parse(until) - from) / 1000);
  if (left <= 0) return '';
  const h = Math.floor(left / 3600);
  const m = Math.floor((left % 3600) / 60);
  const s = String(left % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

export function time(iso: string | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { hour12: false });
}

export function State({ value }: { value: string }) {
  return <span class={`state state-${value}`}>{value.replace('_', ' ')}</span>;
}

/** A notice for a screen whose endpoint this gateway lacks: says which, shows nothing made up. */
export function Missing({ endpoint, issue }: { endpoint: string; issue?: string }) {
  return (
    <p class="notice" role="status">
      This gateway has no <code>{endpoint}</code> endpoint{issue ? ` (it comes with ${issue})` : ''}, so this screen has nothing to show
      yet.
    </p>
  );
}

interface Pending {
  question: string;
  confirmLabel: string;
  run: () => Promise<void>;
}

/**
 * A confirmation for actions that change the gateway: `ask(question, label, run)` opens a modal
 * dialog; only its confirm button runs the action. Returns the dialog to render.
 */
export function useConfirm(): {
  ask: (question: string, confirmLabel: string, run: () => Promise<void>) => void;
  dialog: ComponentChildren;
} {
  const ref = useRef<HTMLDialogElement>(null);
  const [pending, setPending] = useState<Pending>();
  const [error, setError] = useState<string>();
  const ask = (question: string, confirmLabel: string, run: () => Promise<void>) => {
    setPending({ question, confirmLabel, run });
    setError(undefined);
    ref.current?.showModal();
  };
  const confirm = async () => {
    try {
      await pending?.run();
      ref.current?.close();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const dialog = (
    <dialog ref={ref} aria-labelledby="confirm-title">
      <h2 id="confirm-title">Please confirm</h2>
      <p>{pending?.question}</p>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <div class="row">
        <button type="button" class="danger" onClick={() => void confirm()}>
          {pending?.confirmLabel ?? 'Confirm'}
        </button>
        <button type="button" class="secondary" onClick={() => ref.current?.close()}>
          Cancel
        </button>
      </div>
    </dialog>
  );
  return { ask, dialog };
}
