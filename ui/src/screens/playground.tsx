import { useEffect, useState } from 'preact/hooks';
import { call, describe, getJson, readEvents } from '../api';

interface Usage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
}

/** One answer as it arrives: the text so far and how the gateway served it. */
interface Answer {
  alias: string;
  text: string;
  state: 'waiting' | 'streaming' | 'done' | 'failed';
  error?: string;
  profile?: string;
  model?: string;
  key?: string;
  attempts?: string;
  firstByteMs?: number;
  latencyMs?: number;
  usage?: Usage;
}

interface Run {
  id: number;
  message: string;
  stream: boolean;
  answers: Answer[];
}

let runs = 0;

export function Playground() {
  const [aliases, setAliases] = useState<string[]>([]);
  const [loadError, setLoadError] = useState<string>();
  const [model, setModel] = useState('');
  const [compare, setCompare] = useState(false);
  const [other, setOther] = useState('');
  const [message, setMessage] = useState('');
  const [stream, setStream] = useState(true);
  const [history, setHistory] = useState<Run[]>([]);

  useEffect(() => {
    getJson<{ data: Array<{ id: string }> }>('/v1/models')
      .then(({ data }) => {
        const ids = data.map((m) => m.id);
        setAliases(ids);
        setModel((current) => current || ids[0] || '');
        setOther((current) => current || ids[1] || ids[0] || '');
      })
      .catch((error) => setLoadError(describe(error)));
  }, []);

  const update = (runId: number, index: number, change: Partial<Answer>) =>
    setHistory((all) =>
      all.map((run) => (run.id === runId ? { ...run, answers: run.answers.map((a, i) => (i === index ? { ...a, ...change } : a)) } : run)),
    );

  const send = (event: Event) => {
    event.preventDefault();
    if (!message.trim() || !model) return;
    const targets = compare ? [model, other] : [model];
    const run: Run = { id: ++runs, message, stream, answers: targets.map((alias) => ({ alias, text: '', state: 'waiting' })) };
    setHistory((all) => [run, ...all]);
    targets.forEach((alias, index) => void ask(alias, message, stream, (change) => update(run.id, index, change)));
  };

  return (
    <section aria-label="Playground">
      {loadError && (
        <p role="alert" class="error">
          Could not list the models: {loadError}
        </p>
      )}
      <form class="panel" onSubmit={send}>
        <div class="row wrap">
          <ModelSelect id="pg-model" label="Model" aliases={aliases} value={model} onChange={setModel} />
          <label class="check">
            <input type="checkbox" checked={compare} onChange={(e) => setCompare((e.target as HTMLInputElement).checked)} />
            Compare
          </label>
          {compare && <ModelSelect id="pg-other" label="Compare with" aliases={aliases} value={other} onChange={setOther} />}
          <label class="check">
            <input type="checkbox" checked={stream} onChange={(e) => setStream((e.target as HTMLInputElement).checked)} />
            Stream
          </label>
        </div>
        <div class="field">
          <label for="pg-message">Message</label>
          <textarea
            id="pg-message"
            rows={4}
            value={message}
            onInput={(e) => setMessage((e.target as HTMLTextAreaElement).value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) send(e);
            }}
          />
        </div>
        <div class="row">
          <button type="submit" disabled={!model || !message.trim()}>
            Send
          </button>
          <span class="hint">Ctrl+Enter sends</span>
        </div>
      </form>
      {history.map((run) => (
        <article key={run.id} class="run" aria-label={`Run ${run.id}`}>
          <p class="prompt">
            <strong>You:</strong> {run.message}
          </p>
          <div class={run.answers.length > 1 ? 'side-by-side' : ''}>
            {run.answers.map((answer, i) => (
              <AnswerView key={i} answer={answer} />
            ))}
          </div>
        </article>
      ))}
    </section>
  );
}

function AnswerView({ answer }: { answer: Answer }) {
  const tokens = answer.usage
    ? `${answer.usage.prompt_tokens ?? '?'} in · ${answer.usage.completion_tokens ?? '?'} out · ${answer.usage.total_tokens ?? '?'} total`
    : '—';
  return (
    <section class="answer panel" aria-label={`Answer from ${answer.alias}`} data-state={answer.state}>
      <h2>{answer.alias}</h2>
      <div class="answer-text" aria-live="polite" aria-busy={answer.state === 'waiting' || answer.state === 'streaming'}>
        {answer.text || (answer.state === 'waiting' ? '…' : '')}
      </div>
      {answer.error && (
        <p role="alert" class="error">
          {answer.error}
        </p>
      )}
      <dl class="meta">
        <dt>Profile</dt>
        <dd data-field="profile">{answer.profile ?? '—'}</dd>
        <dt>Model</dt>
        <dd data-field="model">{answer.model ?? '—'}</dd>
        <dt>Key</dt>
        <dd data-field="key">
          <code>{answer.key ?? '—'}</code>
        </dd>
        <dt>Attempts</dt>
        <dd data-field="attempts">{answer.attempts ?? '—'}</dd>
        <dt>Latency</dt>
        <dd data-field="latency">
          {answer.latencyMs === undefined ? '—' : `${answer.latencyMs} ms`}
          {answer.firstByteMs !== undefined && answer.latencyMs !== undefined && ` (first byte ${answer.firstByteMs} ms)`}
        </dd>
        <dt>Tokens</dt>
        <dd data-field="tokens">{tokens}</dd>
      </dl>
    </section>
  );
}

/** Sends one chat completion and reports each change: headers, every streamed piece, usage, the end. */
async function ask(alias: string, message: string, stream: boolean, report: (change: Partial<Answer>) => void): Promise<void> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const response = await call('/v1/chat/completions', {
      method: 'POST',
      body: JSON.stringify({
        model: alias,
        messages: [{ role: 'user', content: message }],
        stream,
        ...(stream ? { stream_options: { include_usage: true } } : {}),
      }),
    });
    const served = {
      profile: response.headers.get('x-switchboard-provider') ?? undefined,
      model: response.headers.get('x-switchboard-model') ?? undefined,
      key: response.headers.get('x-switchboard-key') ?? undefined,
      attempts: response.headers.get('x-switchboard-attempts') ?? undefined,
      firstByteMs: elapsed(),
    };
    if (!stream) {
      const body = (await response.json()) as { choices?: Array<{ message?: { content?: string | null } }>; usage?: Usage };
      report({ ...served, state: 'done', text: body.choices?.[0]?.message?.content ?? '', usage: body.usage, latencyMs: elapsed() });
      return;
    }
    report({ ...served, state: 'streaming' });
    let text = '';
    let streamError: string | undefined;
    await readEvents(response, (event) => {
      if (event.data === '[DONE]') return;
      const chunk = JSON.parse(event.data) as {
        choices?: Array<{ delta?: { content?: string | null } }>;
        usage?: Usage | null;
        error?: { message?: string };
      };
      if (chunk.error) streamError = chunk.error.message ?? 'the stream ended with an error';
      const piece = chunk.choices?.[0]?.delta?.content;
      if (piece) {
        text += piece;
        report({ text });
      }
      if (chunk.usage) report({ usage: chunk.usage });
    });
    report({ state: streamError ? 'failed' : 'done', latencyMs: elapsed(), ...(streamError ? { error: streamError } : {}) });
  } catch (error) {
    report({ state: 'failed', error: describe(error), latencyMs: elapsed() });
  }
}

/** A model alias picker: the same control for the model asked and, in Compare, the one beside it. */
function ModelSelect(props: { id: string; label: string; aliases: string[]; value: string; onChange: (alias: string) => void }) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <select id={props.id} value={props.value} onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)}>
        {props.aliases.map((id) => (
          <option key={id} value={id}>
            {id}
          </option>
        ))}
      </select>
    </div>
  );
}
