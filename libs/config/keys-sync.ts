/** What a keys-file sync must do: register what is new, remove what is gone; order follows the inputs. */
export function planKeySync(desired: readonly string[], registered: readonly string[]): { register: string[]; remove: string[] } {
  const want = new Set(desired);
  const have = new Set(registered);
  return {
    register: [...want].filter((fp) => !have.has(fp)),
    remove: [...have].filter((fp) => !want.has(fp)),
  };
}
