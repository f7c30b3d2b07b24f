import { useEffect, useState } from 'preact/hooks';
import { describe, getJson, sendJson } from '../api';
import { countdown, now, State, time, useConfirm } from '../ui-kit';

interface Key {
  fingerprint: string;
  provider: string;
  state: 'available' | 'quarantined' | 'retired' | 'removed';
  until?: string;
  reason?: string;
  updatedAt: string;
}

interface Provider {
  name: string;
  type: string;
  circuit: 'closed' | 'open' | 'half_open';
  until?: string;
  enabled: boolean;
}

interface KeyEvent {
  type: string;
  at: string;
  revision: number;
  data: Record<string, unknown>;
}

/** A moment the slider can stop at: when a key's state changed (or now). */
interface Moment {
  at: string;
  what: string;
}

export function Keys() {
  const [keys, setKeys] = useState<Key[]>([]);
  const [providers, setProviders] = useState<Provider[]>([]);
  const [histories, setHistories] = useState<Record<string, KeyEvent[]>>({});
  const [opened, setOpened] = useState<string>();
  const [position, setPosition] = useState<number>();
  const [error, setError] = useState<string>();
  const { ask, dialog } = useConfirm();

  const moments = momentsOf(histories);
  const atNow = position === undefined || position >= moments.length;
  const asOf = atNow ? undefined : moments[position!];

  const load = async () => {
    try {
      const query = asOf ? `?at=${encodeURIComponent(asOf.at)}` : '';
      const [k, p] = await Promise.all([
        getJson<{ keys: Key[] }>(`/admin/keys${query}`),
        getJson<{ providers: Provider[] }>(`/admin/providers${query}`),
      ]);
      setKeys(k.keys);
      setProviders(p.providers);
      setError(undefined);
      if (atNow) {
        const entries = await Promise.all(k.keys.map(async (key) => [key.fingerprint, await historyOf(key.fingerprint)] as const));
        setHistories(Object.fromEntries(entries));
      }
    } catch (e) {
      setError(describe(e));
    }
  };

  useEffect(() => {
    void load();
  }, [asOf?.at]);

  // Live view: look again when a countdown runs out, and every 10 s for changes made elsewhere.
  const tick = now.value;
  const nextDeadline = Math.min(
    ...[...keys, ...providers].map((x) => (x.until ? Date.parse(x.until) : Infinity)).filter((t) => t > tick - 1000),
  );
  useEffect(() => {
    if (!atNow) return;
    const wait = Math.max(500, Math.min(10_000, nextDeadline - Date.now() + 300));
    const timer = setTimeout(() => void load(), wait);
    return () => clearTimeout(timer);
  }, [atNow, nextDeadline, keys]);

  const act = (question: string, label: string, path: string) =>
    ask(question, label, async () => {
      await sendJson('POST', path);
      await load();
    });

  const byProvider = new Map<string, Key[]>();
  for (const key of keys) byProvider.set(key.provider, [...(byProvider.get(key.provider) ?? []), key]);

  return (
    <>
      <section class="panel" aria-labelledby="asof-title">
        <h2 id="asof-title">Time travel</h2>
        <div class="row wrap">
          <div class="field grow">
            <label for="as-of">As of</label>
            <input
              id="as-of"
              type="range"
              min={0}
              max={moments.length}
              step={1}
              value={position ?? moments.length}
              aria-valuetext={asOf ? `${time(asOf.at)}: ${asOf.what}` : 'now (live)'}
              onInput={(e) => setPosition(Number((e.target as HTMLInputElement).value))}
            />
          </div>
          <button type="button" class="secondary" disabled={atNow} onClick={() => setPosition(undefined)}>
            Back to now
          </button>
        </div>
        <p data-testid="as-of-label" aria-live="polite">
          {asOf ? (
            <>
              Showing the pools as they were at <strong>{time(asOf.at)}</strong> ({asOf.what}); actions are off in the past.
            </>
          ) : (
            <>Showing now (live). Drag the slider back through every change of a key.</>
          )}
        </p>
      </section>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <section class="panel" aria-labelledby="providers-title">
        <h2 id="providers-title">Providers</h2>
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Profile</th>
                <th scope="col">Type</th>
                <th scope="col">Circuit</th>
                <th scope="col">In rotation</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {providers.map((p) => (
                <tr key={p.name} data-provider={p.name}>
                  <th scope="row">{p.name}</th>
                  <td>{p.type}</td>
                  <td>
                    <State value={p.circuit} />{' '}
                    {atNow && p.until && countdown(p.until) && <span class="hint">{countdown(p.until)} left</span>}
                  </td>
                  <td>{p.enabled ? 'yes' : <State value="disabled" />}</td>
                  <td>
                    {p.enabled ? (
                      <button
                        type="button"
                        class="secondary"
                        disabled={!atNow}
                        onClick={() =>
                          act(
                            `Take ${p.name} out of rotation until it is enabled again?`,
                            `Disable ${p.name}`,
                            `/admin/providers/${p.name}/disable`,
                          )
                        }
                      >
                        Disable
                      </button>
                    ) : (
                      <button
                        type="button"
                        class="secondary"
                        disabled={!atNow}
                        onClick={() => act(`Put ${p.name} back into rotation?`, `Enable ${p.name}`, `/admin/providers/${p.name}/enable`)}
                      >
                        Enable
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      {[...byProvider].map(([provider, list]) => (
        <section key={provider} class="panel" aria-labelledby={`keys-${provider}`}>
          <h2 id={`keys-${provider}`}>Keys of {provider}</h2>
          <div class="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Key</th>
                  <th scope="col">State</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Restores</th>
                  <th scope="col">Changed</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {list.map((key) => (
                  <KeyRow
                    key={key.fingerprint}
                    k={key}
                    live={atNow}
                    history={opened === key.fingerprint ? histories[key.fingerprint] : undefined}
                    onHistory={() => setOpened(opened === key.fingerprint ? undefined : key.fingerprint)}
                    onRestore={() =>
                      act(`End the quarantine of key ${key.fingerprint} now?`, 'Restore key', `/admin/keys/${key.fingerprint}/restore`)
                    }
                  />
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ))}
      <p class="hint">
        Keys can be restored here; removing or disabling a single key is done in its keys file (the gateway has no admin endpoint for it).
      </p>
      {dialog}
    </>
  );
}

function KeyRow(props: { k: Key; live: boolean; history?: KeyEvent[]; onHistory: () => void; onRestore: () => void }) {
  const { k, live, history } = props;
  const left = live ? countdown(k.until) : '';
  return (
    <>
      <tr data-key={k.fingerprint}>
        <th scope="row">
          <code>{k.fingerprint}</code>
        </th>
        <td data-field="state">
          <State value={k.state} />
        </td>
        <td data-field="reason">{k.reason ?? '—'}</td>
        <td data-field="countdown">{left ? `in ${left}` : k.until && k.state === 'quarantined' ? `at ${time(k.until)}` : '—'}</td>
        <td>{time(k.updatedAt)}</td>
        <td class="actions">
          <button type="button" class="secondary" aria-expanded={Boolean(history)} onClick={props.onHistory}>
            History
          </button>
          {k.state === 'quarantined' && (
            <button type="button" class="secondary" disabled={!live} onClick={props.onRestore}>
              Restore
            </button>
          )}
        </td>
      </tr>
      {history && (
        <tr class="history">
          <td colSpan={6}>
            <ol aria-label={`History of key ${k.fingerprint}`}>
              {history.map((e) => (
                <li key={e.revision}>
                  <strong>{e.type}</strong> <span class="hint">{time(e.at)}</span> {summary(e.data)}
                </li>
              ))}
            </ol>
          </td>
        </tr>
      )}
    </>
  );
}

/** A key's whole history: the endpoint answers a page at a time, with a `next` link until the end. */
async function historyOf(fingerprint: string): Promise<KeyEvent[]> {
  const events: KeyEvent[] = [];
  let page: string | undefined = `/admin/keys/${fingerprint}/history`;
  while (page) {
    const answer: { events: KeyEvent[]; next?: string } = await getJson(page);
    events.push(...answer.events);
    page = answer.next;
  }
  return events;
}

function summary(data: Record<string, unknown>): string {
  const parts = Object.entries(data)
    .filter(([name]) => name !== 'fingerprint' && name !== 'provider')
    .map(([name, value]) => `${name}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return parts.length ? `— ${parts.join(', ')}` : '';
}

/** Every moment a key changed, oldest first, each once. */
function momentsOf(histories: Record<string, KeyEvent[]>): Moment[] {
  const byTime = new Map<string, string[]>();
  for (const [fingerprint, events] of Object.entries(histories)) {
    for (const e of events) byTime.set(e.at, [...(byTime.get(e.at) ?? []), `${e.type} ${fingerprint.slice(0, 8)}`]);
  }
  return [...byTime]
    .sort(([a], [b]) => Date.parse(a) - Date.parse(b))
    .map(([at, what]) => ({ at, what: what.length > 2 ? `${what.slice(0, 2).join(', ')} and ${what.length - 2} more` : what.join(', ') }));
}
