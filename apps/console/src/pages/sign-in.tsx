import { FormEvent, useState } from 'react';
import { useSessionApi } from '../session';
import { ProblemNotice } from '../components/problem-notice';

/** Signing in is showing a key: the gateway says whose it is. The key is kept in this page's memory only. */
export function SignInPage() {
  const { signIn } = useSessionApi();
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(key.trim());
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="sign-in">
      <h1>Gridex console</h1>
      <form onSubmit={submit} aria-label="Sign in">
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={key}
          onChange={(e) => setKey(e.target.value)}
          aria-describedby="api-key-hint"
          required
        />
        <small id="api-key-hint">Kept in this page only: reloading the page signs you out.</small>
        <button type="submit" disabled={busy || key.trim() === ''}>
          Sign in
        </button>
      </form>
      <ProblemNotice error={error} />
    </main>
  );
}
