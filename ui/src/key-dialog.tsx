import { useEffect, useRef, useState } from 'preact/hooks';
import { keyWanted, storedKey, storeKey, type Surface } from './api';

const LABEL: Record<Surface, string> = { client: 'Client key (for /v1)', admin: 'Admin key (for /admin)' };

/**
 * Asks for the gateway's keys when a call answers 401 (or when the operator opens it), and keeps
 * them in sessionStorage only. Saving reloads the screen so every call is made again with the key.
 */
export function KeyDialog() {
  const dialog = useRef<HTMLDialogElement>(null);
  const [keys, setKeys] = useState({ client: storedKey('client'), admin: storedKey('admin') });
  const wanted = keyWanted.value;

  useEffect(() => {
    if (wanted && !dialog.current?.open) dialog.current?.showModal();
  }, [wanted]);

  const open = () => {
    setKeys({ client: storedKey('client'), admin: storedKey('admin') });
    dialog.current?.showModal();
  };
  const save = (event: Event) => {
    event.preventDefault();
    storeKey('client', keys.client.trim());
    storeKey('admin', keys.admin.trim());
    keyWanted.value = undefined;
    dialog.current?.close();
    location.reload();
  };

  return (
    <>
      <button type="button" class="secondary" onClick={open}>
        Access keys
      </button>
      <dialog ref={dialog} aria-labelledby="key-dialog-title" onClose={() => (keyWanted.value = undefined)}>
        <form onSubmit={save}>
          <h2 id="key-dialog-title">Gateway keys</h2>
          {wanted && (
            <p role="alert">The gateway asks for {wanted === 'admin' ? 'an admin key' : 'a client key'}: it answered 401 without one.</p>
          )}
          <p class="hint">Kept in this tab's session storage only, sent as a Bearer token.</p>
          {(['client', 'admin'] as const).map((surface) => (
            <label key={surface}>
              {LABEL[surface]}
              <input
                type="password"
                autocomplete="off"
                value={keys[surface]}
                onInput={(e) => setKeys({ ...keys, [surface]: (e.target as HTMLInputElement).value })}
              />
            </label>
          ))}
          <div class="row">
            <button type="submit">Save keys</button>
            <button type="button" class="secondary" onClick={() => dialog.current?.close()}>
              Cancel
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}
