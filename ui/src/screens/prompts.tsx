import { useEffect, useState } from 'preact/hooks';
import { describe, getJson, sendJson } from '../api';
import { hasEndpoint } from '../capabilities';
import { CodeEditor, DiffView } from '../code-editor';
import { time } from '../ui-kit';

interface Prompt {
  pattern: string;
  description: string;
  system_prompt: string;
}

interface PromptChange {
  at?: string;
  revision?: number;
  by?: string;
  source?: string;
  diff?: unknown;
}

/** The ReAct patterns' system prompts: edit, see the diff against what is saved, save. */
export function Prompts() {
  const [prompts, setPrompts] = useState<Prompt[]>([]);
  const [name, setName] = useState('');
  const [draft, setDraft] = useState('');
  const [showDiff, setShowDiff] = useState(false);
  const [status, setStatus] = useState<string>();
  const [error, setError] = useState<string>();
  const [history, setHistory] = useState<PromptChange[]>();
  // Bumped to start the editor over from the saved text.
  const [generation, setGeneration] = useState(0);

  const saved = prompts.find((p) => p.pattern === name);
  const changed = saved !== undefined && draft !== saved.system_prompt;

  useEffect(() => {
    getJson<{ prompts: Prompt[] }>('/admin/prompts')
      .then(({ prompts: list }) => {
        setPrompts(list);
        if (list[0]) {
          setName(list[0].pattern);
          setDraft(list[0].system_prompt);
        }
      })
      .catch((e) => setError(describe(e)));
  }, []);

  useEffect(() => {
    setHistory(undefined);
    if (!name) return;
    void hasEndpoint('/admin/prompts/{pattern}/history').then((has) => {
      if (has)
        getJson<{ changes?: PromptChange[]; events?: PromptChange[] }>(`/admin/prompts/${encodeURIComponent(name)}/history`)
          .then((h) => setHistory(h.changes ?? h.events ?? []))
          .catch(() => setHistory([]));
    });
  }, [name, prompts]);

  const choose = (pattern: string) => {
    setName(pattern);
    setDraft(prompts.find((p) => p.pattern === pattern)?.system_prompt ?? '');
    setShowDiff(false);
    setStatus(undefined);
    setError(undefined);
  };

  const save = async () => {
    setError(undefined);
    setStatus(undefined);
    try {
      const result = await sendJson<Prompt>('PUT', `/admin/prompts/${encodeURIComponent(name)}`, { system_prompt: draft });
      setPrompts((list) => list.map((p) => (p.pattern === result.pattern ? result : p)));
      setDraft(result.system_prompt);
      setGeneration((n) => n + 1);
      setShowDiff(false);
      setStatus(`Saved: the next session of ${name} uses it.`);
    } catch (e) {
      setError(describe(e));
    }
  };

  return (
    <section class="panel" aria-label="Prompt editor">
      <div class="row wrap">
        <div class="field">
          <label for="prompt-pattern">Pattern</label>
          <select id="prompt-pattern" value={name} onChange={(e) => choose((e.target as HTMLSelectElement).value)}>
            {prompts.map((p) => (
              <option key={p.pattern} value={p.pattern}>
                {p.pattern}
              </option>
            ))}
          </select>
        </div>
        {saved && <p class="hint grow">{saved.description}</p>}
      </div>
      <p class="hint">
        <code>{'{{tools}}'}</code> and <code>{'{{question}}'}</code> must stay; <code>{'{{tool_names}}'}</code> is optional.
      </p>
      {saved && <CodeEditor key={`${name}-${generation}`} label="System prompt" initial={draft} onChange={setDraft} />}
      <div class="row wrap toolbar">
        <button type="button" class="secondary" disabled={!changed} aria-pressed={showDiff} onClick={() => setShowDiff(!showDiff)}>
          {showDiff ? 'Hide diff' : 'Show diff'}
        </button>
        <button type="button" disabled={!changed} onClick={() => void save()}>
          Save prompt
        </button>
        <button
          type="button"
          class="secondary"
          disabled={!changed}
          onClick={() => {
            if (!saved) return;
            setError(undefined);
            setDraft(saved.system_prompt);
            setGeneration((n) => n + 1);
          }}
        >
          Discard changes
        </button>
        <span class="hint">{changed ? 'Unsaved changes' : 'Saved version shown'}</span>
      </div>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {status && <p role="status">{status}</p>}
      {showDiff && changed && saved && (
        <div class="field">
          <h2>Diff against the saved prompt</h2>
          <DiffView label="Diff of the system prompt" original={saved.system_prompt} changed={draft} />
        </div>
      )}
      {history && (
        <div>
          <h2>History</h2>
          {history.length === 0 ? (
            <p class="hint">No recorded change.</p>
          ) : (
            <ol aria-label="Prompt history">
              {history.map((h, i) => (
                <li key={i}>
                  {time(h.at)} {h.by ? `by ${h.by}` : ''} {h.source ? `(${h.source})` : ''}
                </li>
              ))}
            </ol>
          )}
        </div>
      )}
    </section>
  );
}
