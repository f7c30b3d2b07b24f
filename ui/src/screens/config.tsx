import { useEffect, useRef, useState } from 'preact/hooks';
import { isMap, isSeq, parseDocument, stringify, type Document } from 'yaml';
import { ApiFailure, call, describe, getJson } from '../api';
import { hasEndpoint } from '../capabilities';
import { CodeEditor, DiffView, type Diagnostic } from '../code-editor';
import { Missing, time } from '../ui-kit';

/** `GET /admin/config`: the running config (literal secrets masked as `***<fingerprint>`) and its revision. */
interface RunningConfig {
  revision: number;
  config: Record<string, unknown>;
}

interface PathError {
  path: string;
  message: string;
}

interface Change {
  revision: number;
  at: string;
  by: string;
  source: string;
}

/**
 * The config editor: the running config as YAML, errors by path while typing (the validate
 * endpoint), a diff against what runs, and Apply with the revision the edit started from, so a
 * change made meanwhile is reported instead of overwritten.
 */
export function Config() {
  const [available, setAvailable] = useState<boolean>();
  const [running, setRunning] = useState<{ revision: string; text: string }>();
  const [draft, setDraft] = useState('');
  const [errors, setErrors] = useState<PathError[]>([]);
  /** The applied config's literal secrets that reach this gateway only (PUT's `warnings`). */
  const [localSecrets, setLocalSecrets] = useState<string[]>([]);
  const [showDiff, setShowDiff] = useState(false);
  const [status, setStatus] = useState<string>();
  const [failure, setFailure] = useState<string>();
  const [history, setHistory] = useState<Change[]>([]);
  // Bumped to start the editor over from the running config.
  const [generation, setGeneration] = useState(0);
  const latest = useRef('');

  const load = async () => {
    const response = await call('/admin/config');
    const body = (await response.json()) as RunningConfig;
    const revision = String(body.revision);
    // Rendered as the gateway renders it for its diffs (no line folding).
    const text = stringify(body.config, { lineWidth: 0 });
    setRunning({ revision, text });
    setDraft(text);
    latest.current = text;
    setGeneration((n) => n + 1);
    if (await hasEndpoint('/admin/config/history'))
      getJson<{ changes: Change[] }>('/admin/config/history')
        .then((h) => setHistory(h.changes))
        .catch(() => setHistory([]));
  };

  useEffect(() => {
    void Promise.all([
      hasEndpoint('/admin/config'),
      hasEndpoint('/admin/config/validate', 'post'),
      hasEndpoint('/admin/config', 'put'),
    ]).then(([get, validate, put]) => {
      setAvailable(get && validate && put);
      if (get) load().catch((e) => setFailure(describe(e)));
    });
  }, []);

  /** Checks the text with the gateway (nothing is applied) and marks each error at its path. */
  const lint = async (text: string): Promise<Diagnostic[]> => {
    latest.current = text;
    const doc = parseDocument(text);
    if (doc.errors.length > 0) {
      const found = doc.errors.map((e) => ({ path: '(yaml)', message: e.message }));
      setErrors(found);
      return doc.errors.map((e) => ({ from: e.pos[0], to: Math.max(e.pos[1], e.pos[0] + 1), severity: 'error', message: e.message }));
    }
    const found = await validate(doc);
    // The answer of an older text must not overwrite the errors of the text now in the editor.
    if (text !== latest.current) return [];
    setErrors(found);
    return found.map((e) => ({ ...rangeOf(doc, e.path, text.length), severity: 'error', message: `${e.path}: ${e.message}` }));
  };

  const apply = async () => {
    if (!running) return;
    setFailure(undefined);
    setStatus(undefined);
    setLocalSecrets([]);
    try {
      const response = await call('/admin/config', {
        method: 'PUT',
        headers: { 'if-match': `"${running.revision}"` },
        body: JSON.stringify(payload(parseDocument(draft))),
      });
      const applied = (await response.json()) as { revision: number; diff: string[]; warnings?: Array<{ message: string }> };
      await load();
      setShowDiff(false);
      setStatus(`Applied as revision ${applied.revision}: every replica follows it from the event store.`);
      setLocalSecrets((applied.warnings ?? []).map((w) => w.message));
    } catch (e) {
      if (e instanceof ApiFailure && e.status === 412) {
        setFailure(
          `Not applied: the config changed since revision ${running.revision} (someone else applied one). Reload it, then apply your change again.`,
        );
      } else setFailure(describe(e));
    }
  };

  if (available === undefined) return <p class="hint">Looking for the config endpoints…</p>;
  if (!available) return <Missing endpoint="/admin/config (GET, PUT, /validate)" issue="issue 19" />;
  const changed = running !== undefined && draft !== running.text;
  return (
    <section class="panel" aria-label="Config editor">
      <p class="hint">
        Running revision <strong data-testid="config-revision">{running?.revision ?? '…'}</strong>. Secrets are masked; a masked value left
        as it is keeps the secret.
      </p>
      {running && <CodeEditor key={generation} label="Config (YAML)" initial={draft} onChange={setDraft} language="yaml" lint={lint} />}
      <ul class="errors" aria-label="Config errors" aria-live="polite">
        {errors.map((e, i) => (
          <li key={i} class="error">
            <code>{e.path}</code>: {e.message}
          </li>
        ))}
      </ul>
      <div class="row wrap toolbar">
        <button type="button" class="secondary" disabled={!changed} aria-pressed={showDiff} onClick={() => setShowDiff(!showDiff)}>
          {showDiff ? 'Hide diff' : 'Show diff'}
        </button>
        <button type="button" disabled={!changed || errors.length > 0} onClick={() => void apply()}>
          Apply
        </button>
        <button type="button" class="secondary" onClick={() => void load().catch((e) => setFailure(describe(e)))}>
          Reload
        </button>
      </div>
      {failure && (
        <p role="alert" class="error">
          {failure}
        </p>
      )}
      {status && <p role="status">{status}</p>}
      {localSecrets.length > 0 && (
        <ul class="notice" aria-label="Secrets this gateway alone can use">
          {localSecrets.map((message, i) => (
            <li key={i}>{message}</li>
          ))}
        </ul>
      )}
      {showDiff && changed && running && (
        <div class="field">
          <h2>Diff against the running config</h2>
          <DiffView label="Diff of the config" original={running.text} changed={draft} />
        </div>
      )}
      {history.length > 0 && (
        <>
          <h2>History</h2>
          <ol aria-label="Config history">
            {history.map((h, i) => (
              <li key={i}>
                revision {h.revision} · {time(h.at)} by {h.by} ({h.source})
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}

/** What PUT and validate take: `{ config }`, the YAML parsed here (so errors keep their lines); masks stay masks. */
function payload(doc: Document): { config: unknown } {
  return { config: doc.toJS() ?? {} };
}

/** `POST /admin/config/validate` answers `{ valid, errors }`, each error `"<path>: <message>"`. */
async function validate(doc: Document): Promise<PathError[]> {
  try {
    const response = await call('/admin/config/validate', { method: 'POST', body: JSON.stringify(payload(doc)) });
    const body = (await response.json()) as { valid: boolean; errors: string[] };
    return body.errors.map(pathError);
  } catch (e) {
    if (e instanceof ApiFailure) return [{ path: e.param ?? '(config)', message: e.message }];
    return [{ path: '(gateway)', message: describe(e) }];
  }
}

function pathError(problem: string): PathError {
  const at = problem.indexOf(': ');
  return at < 0 ? { path: '(config)', message: problem } : { path: problem.slice(0, at), message: problem.slice(at + 2) };
}

/** Where `models.main-gpt.chain[1].provider` is in the text: its node, else its nearest parent. */
function rangeOf(doc: Document, path: string, length: number): { from: number; to: number } {
  const segments = path
    .split(/\.|\[(\d+)\]/)
    .filter((s) => s !== undefined && s !== '')
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  for (let n = segments.length; n > 0; n--) {
    const node = doc.getIn(segments.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    const parent = n > 1 ? doc.getIn(segments.slice(0, n - 1), true) : doc.contents;
    if (node?.range) return { from: node.range[0], to: Math.max(node.range[1], node.range[0] + 1) };
    if ((isMap(parent) || isSeq(parent)) && parent.range && n < segments.length) {
      return { from: parent.range[0], to: Math.min(parent.range[0] + 1, length) };
    }
  }
  return { from: 0, to: Math.min(1, length) };
}
