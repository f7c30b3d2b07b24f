/**
 * An aggregate as three plain functions: `decide` turns a command into new facts (or `[]` when
 * nothing changes), `evolve` folds one fact into the state and never throws, `initialState` is a
 * fresh value. Time comes in on the command, never from a clock inside.
 */
export interface Decider<C, E, S> {
  decide(command: C, state: S): E[];
  evolve(state: S, event: E): S;
  initialState(): S;
}

/** The state after `events`, folded from a fresh initial state. */
export function fold<C, E, S>(decider: Decider<C, E, S>, events: Iterable<E>): S {
  let state = decider.initialState();
  for (const event of events) state = decider.evolve(state, event);
  return state;
}
