import { fold, type Decider } from '../decider';

/**
 * Decider specs that read as the facts they describe:
 * `given(decider, registered(fp)).when(quarantineKey(fp)).then([quarantined(fp)])`.
 * Uses jest's `expect`, so it stays out of the lib's index.
 */
export function given<C, E, S>(decider: Decider<C, E, S>, ...history: E[]) {
  return {
    when(command: C) {
      const decide = (): E[] => decider.decide(command, fold(decider, history));
      return {
        then(expected: E[]): void {
          expect(decide()).toEqual(expected);
        },
        thenThrows(errorClass: new (...args: never[]) => Error): void {
          expect(decide).toThrow(errorClass);
        },
      };
    },
  };
}
