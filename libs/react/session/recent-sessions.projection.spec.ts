import type { RecordedEvent } from '@switchboard/event-store';
import { RecentSessionsProjection } from './recent-sessions.projection';

let position = 0n;
const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, second)).toISOString();
const recorded = (id: string, revision: number, type: string, data: Record<string, unknown>, second = revision): RecordedEvent => ({
  stream: `react-${id}`,
  type,
  data,
  revision,
  position: ++position,
  at: at(second),
});
const started = (id: string, second = 0, extra: Record<string, unknown> = {}) =>
  recorded(
    id,
    0,
    'SessionStarted',
    { sessionId: id, alias: 'agent', pattern: 'basic_react', depth: 0, startedAt: at(second), ...extra },
    second,
  );
const thought = (id: string, revision: number, step: number) => recorded(id, revision, 'ThoughtRecorded', { step, text: 'hmm' });
const answered = (id: string, revision: number, step: number) => recorded(id, revision, 'AnswerProduced', { step, content: 'done' });
const failed = (id: string, revision: number, step: number) =>
  recorded(id, revision, 'SessionFailed', { step, message: 'step limit of 1 reached' });

function given(...events: RecordedEvent[]): RecentSessionsProjection {
  const projection = new RecentSessionsProjection(3);
  for (const event of events) projection.apply(event);
  return projection;
}

describe('RecentSessionsProjection', () => {
  it('lists a started session as running, with its alias, pattern and start time', () => {
    expect(given(started('a', 5)).list(10)).toEqual([
      { id: 'a', alias: 'agent', pattern: 'basic_react', status: 'running', startedAt: at(5), updatedAt: at(5), steps: 0, depth: 0 },
    ]);
  });

  it('follows a session to its answer or failure, counting steps', () => {
    const list = given(started('a'), thought('a', 1, 1), answered('a', 2, 2), started('b', 3), failed('b', 1, 1)).list(10);
    expect(list.map(({ id, status, steps }) => ({ id, status, steps }))).toEqual([
      { id: 'b', status: 'failed', steps: 1 },
      { id: 'a', status: 'finished', steps: 2 },
    ]);
    expect(list[1].updatedAt).toBe(at(2));
  });

  it('lists newest first and only as many as asked', () => {
    expect(
      given(started('a', 1), started('b', 2), started('c', 3))
        .list(2)
        .map((s) => s.id),
    ).toEqual(['c', 'b']);
  });

  it('forgets the oldest session past its capacity', () => {
    expect(
      given(started('a'), started('b'), started('c'), started('d'))
        .list(10)
        .map((s) => s.id),
    ).toEqual(['d', 'c', 'b']);
  });

  it('ignores an event seen twice, a step of a session it does not know, and other streams', () => {
    const projection = given(started('a'), answered('a', 1, 1));
    projection.apply(started('a', 9));
    projection.apply(thought('a', 1, 7));
    projection.apply(thought('gone', 1, 1));
    projection.apply({ ...started('x'), stream: 'apikey-0123456789abcdef' });
    expect(projection.list(10)).toEqual([expect.objectContaining({ id: 'a', status: 'finished', steps: 1, startedAt: at(0) })]);
  });

  it('keeps the parent of a session an agent asked', () => {
    expect(given(started('child', 0, { depth: 1, parentId: 'a' })).list(1)[0]).toEqual(
      expect.objectContaining({ depth: 1, parentId: 'a' }),
    );
  });
});
