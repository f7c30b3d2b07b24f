import { useEffect, useState } from 'preact/hooks';
import { call, describe, getJson, readEvents } from '../api';
import { State, time } from '../ui-kit';

/** A step as `/v1/react/sessions` streams it and `GET /v1/react/sessions/{id}` replays it. */
interface StepEvent {
  type: 'session' | 'thought' | 'action' | 'observation' | 'answer' | 'error';
  data: Record<string, unknown>;
}

interface SessionSummary {
  id: string;
  alias: string;
  pattern: string;
  status: 'running' | 'finished' | 'failed';
  startedAt: string;
  steps: number;
}

interface Shown {
  id?: string;
  status: 'running' | 'finished' | 'failed';
  events: StepEvent[];
  replayed: boolean;
}

const LABEL: Record<StepEvent['type'], string> = {
  session: 'Session',
  thought: 'Thought',
  action: 'Action',
  observation: 'Observation',
  answer: 'Answer',
  error: 'Error',
};

export function Agents() {
  const [aliases, setAliases] = useState<string[]>([]);
  const [agent, setAgent] = useState('');
  const [question, setQuestion] = useState('');
  const [shown, setShown] = useState<Shown>();
  const [recent, setRecent] = useState<SessionSummary[]>([]);
  const [openId, setOpenId] = useState('');
  const [error, setError] = useState<string>();

  const loadRecent = () =>
    getJson<{ sessions: SessionSummary[] }>('/v1/react/sessions?limit=20')
      .then(({ sessions }) => setRecent(sessions))
      .catch((e) => setError(describe(e)));

  useEffect(() => {
    Promise.all([
      getJson<{ data: Array<{ id: string }> }>('/v1/models'),
      getJson<{ sessions: SessionSummary[] }>('/v1/react/sessions?limit=20'),
    ])
      .then(([models, { sessions }]) => {
        // Aliases seen running sessions first: /v1/models does not say which aliases are agents.
        const agents = [...new Set(sessions.map((s) => s.alias))];
        const ids = [...agents, ...models.data.map((m) => m.id).filter((id) => !agents.includes(id))];
        setAliases(ids);
        setAgent((current) => current || ids[0] || '');
        setRecent(sessions);
      })
      .catch((e) => setError(describe(e)));
  }, []);

  const run = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    const events: StepEvent[] = [];
    setShown({ status: 'running', events: [], replayed: false });
    try {
      const response = await call('/v1/react/sessions', {
        method: 'POST',
        body: JSON.stringify({ model: agent, messages: [{ role: 'user', content: question }] }),
      });
      let id: string | undefined;
      await readEvents(response, (message) => {
        const step = { type: (message.event ?? 'message') as StepEvent['type'], data: JSON.parse(message.data) as Record<string, unknown> };
        if (step.type === 'session') id = String(step.data.id);
        events.push(step);
        const status = step.type === 'answer' ? 'finished' : step.type === 'error' ? 'failed' : 'running';
        setShown({ id, status, events: [...events], replayed: false });
      });
      void loadRecent();
    } catch (e) {
      setShown(undefined);
      setError(describe(e));
    }
  };

  const open = async (id: string) => {
    setError(undefined);
    try {
      const session = await getJson<{ id: string; status: Shown['status']; events: StepEvent[] }>(
        `/v1/react/sessions/${encodeURIComponent(id.trim())}`,
      );
      setShown({ ...session, replayed: true });
    } catch (e) {
      setError(describe(e));
    }
  };

  return (
    <div class="columns">
      <section aria-labelledby="run-title">
        <form class="panel" onSubmit={run}>
          <h2 id="run-title">Run an agent</h2>
          <div class="field">
            <label for="agent-alias">Agent</label>
            <select id="agent-alias" value={agent} onChange={(e) => setAgent((e.target as HTMLSelectElement).value)}>
              {aliases.map((id) => (
                <option key={id} value={id}>
                  {id}
                </option>
              ))}
            </select>
            <span class="hint">Aliases with reasoning_mode: react run as agents.</span>
          </div>
          <div class="field">
            <label for="agent-question">Question</label>
            <textarea id="agent-question" rows={3} value={question} onInput={(e) => setQuestion((e.target as HTMLTextAreaElement).value)} />
          </div>
          <button type="submit" disabled={!agent || !question.trim() || shown?.status === 'running'}>
            Run
          </button>
        </form>
        {error && (
          <p role="alert" class="error">
            {error}
          </p>
        )}
        {shown && <Timeline shown={shown} />}
      </section>
      <aside aria-labelledby="recent-title" class="panel">
        <h2 id="recent-title">Recent sessions</h2>
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            if (openId.trim()) void open(openId);
          }}
        >
          <div class="field grow">
            <label for="session-id">Session id</label>
            <input id="session-id" value={openId} onInput={(e) => setOpenId((e.target as HTMLInputElement).value)} />
          </div>
          <button type="submit">Open</button>
        </form>
        <button type="button" class="secondary" onClick={() => void loadRecent()}>
          Refresh list
        </button>
        {recent.length === 0 ? (
          <p class="hint">No sessions yet.</p>
        ) : (
          <ul class="sessions">
            {recent.map((s) => (
              <li key={s.id}>
                <button type="button" class="link" onClick={() => void open(s.id)} aria-label={`Open session ${s.id} of ${s.alias}`}>
                  <span>
                    <strong>{s.alias}</strong> <State value={s.status} />
                  </span>
                  <span class="hint">
                    {time(s.startedAt)} · {s.steps} step{s.steps === 1 ? '' : 's'} · <code>{s.id.slice(0, 8)}</code>
                  </span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </aside>
    </div>
  );
}

function Timeline({ shown }: { shown: Shown }) {
  const steps = shown.events.filter((e) => e.type !== 'session');
  return (
    <section class="panel" aria-labelledby="timeline-title">
      <h2 id="timeline-title">
        {shown.replayed ? 'Replayed session' : 'Session'} {shown.id && <code>{shown.id}</code>} <State value={shown.status} />
      </h2>
      <ol class="timeline" aria-live="polite">
        {steps.map((event, i) => (
          <li key={i} class={`step step-${event.type}`} data-type={event.type}>
            <details open={event.type === 'answer' || event.type === 'error'}>
              <summary>
                <span class="step-kind">{LABEL[event.type]}</span>
                <span class="hint">step {String(event.data.step ?? '')}</span> <span class="step-line">{headline(event)}</span>
              </summary>
              <pre>{body(event)}</pre>
            </details>
          </li>
        ))}
      </ol>
    </section>
  );
}

function headline(event: StepEvent): string {
  const d = event.data;
  switch (event.type) {
    case 'thought':
      return String(d.text ?? '').split('\n')[0];
    case 'action':
      return `${String(d.tool)}(${JSON.stringify(d.input)})`;
    case 'observation':
      return d.error !== undefined ? `${String(d.tool)} failed: ${String(d.error)}` : `${String(d.tool)} → ${JSON.stringify(d.output)}`;
    case 'answer':
      return String(d.content ?? '');
    case 'error':
      return String(d.message ?? '');
    default:
      return '';
  }
}

function body(event: StepEvent): string {
  const { step: _step, ...rest } = event.data;
  if (event.type === 'thought') return String(rest.text ?? '');
  if (event.type === 'answer') return String(rest.content ?? '');
  return JSON.stringify(rest, null, 2);
}
