import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type Problem } from '../api';

export function toProblem(error: unknown): Problem {
  if (error instanceof ApiError) return error.problem;
  return { title: 'Something went wrong', status: 0, detail: String(error) };
}

/** An API error: its title, detail and each named field. */
export function ProblemView({ problem }: { problem: Problem | undefined }) {
  if (!problem) return null;
  return (
    <div class="problem" role="alert">
      <p class="problem-title">
        <strong>{problem.title}</strong>
        {problem.status > 0 && <span class="muted"> (HTTP {problem.status})</span>}
      </p>
      {problem.detail && <p>{problem.detail}</p>}
      {problem.errors && problem.errors.length > 0 && (
        <ul>
          {problem.errors.map((e) => (
            <li key={`${e.field}:${e.message}`}>
              <code>{e.field || '(body)'}</code>: {e.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The page's one h1; focus moves to it on navigation (the shell does that). */
export function PageHeading({ children }: { children: ComponentChildren }) {
  return (
    <h1 tabIndex={-1} id="page-heading">
      {children}
    </h1>
  );
}

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly problem: Problem | undefined;
  readonly loading: boolean;
  reload(): void;
}

/** Loads `load()` whenever `deps` change; `reload()` loads again. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [problem, setProblem] = useState<Problem | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [round, setRound] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let live = true;
    setLoading(true);
    loadRef
      .current()
      .then((value) => {
        if (!live) return;
        setData(value);
        setProblem(undefined);
      })
      .catch((error: unknown) => {
        if (!live) return;
        setData(undefined);
        setProblem(toProblem(error));
      })
      .finally(() => {
        if (live) setLoading(false);
      });
    return () => {
      live = false;
    };
  }, [...deps, round]);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  return { data, problem, loading, reload };
}

export function formatTime(iso: string | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

export function Time({ iso }: { iso: string | undefined }) {
  return iso ? <time dateTime={iso}>{formatTime(iso)}</time> : <span>—</span>;
}

export function formatMs(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${Math.round(value)} ms`;
}

export function formatRatio(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${(value * 100).toFixed(1)} %`;
}

/** A status word with its own colour, never colour alone. */
export function Badge({ value }: { value: string }) {
  const tone =
    value === 'delivered' || value === 'closed' || value === 'enabled' || value === 'completed'
      ? 'good'
      : value === 'failed' || value === 'dead_lettered' || value === 'open' || value === 'disabled'
        ? 'bad'
        : 'neutral';
  return <span class={`badge badge-${tone}`}>{value.replace(/_/g, ' ')}</span>;
}

/** A button that asks again inline before it acts. */
export function ConfirmButton({
  label,
  confirmLabel,
  question,
  onConfirm,
  danger = true,
}: {
  label: string;
  confirmLabel: string;
  question: string;
  onConfirm: () => void | Promise<void>;
  danger?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) confirmRef.current?.focus();
  }, [asking]);
  if (!asking) {
    return (
      <button type="button" class={danger ? 'danger' : ''} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return (
    <span class="confirm">
      <span>{question}</span>{' '}
      <button
        type="button"
        ref={confirmRef}
        class={danger ? 'danger' : 'primary'}
        onClick={async () => {
          setAsking(false);
          await onConfirm();
        }}
      >
        {confirmLabel}
      </button>{' '}
      <button type="button" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}

export function Json({ value, label }: { value: unknown; label: string }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: keyboard users must be able to scroll it
    <pre class="json" tabIndex={0} data-label={label}>
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}

/** A table that scrolls sideways on a narrow screen; keyboard users can scroll it too. */
export function TableWrap({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: keyboard users must be able to scroll it
    <section class="table-wrap" aria-label={label} tabIndex={0}>
      {children}
    </section>
  );
}
