import { useState } from 'preact/hooks';
import { checkAdminKey, type Caller } from './api';

interface LoginFormProps {
  /** Why the operator is here again (the key was refused), if so. */
  notice: string | null;
  onAccepted(adminKey: string, caller: Caller): void;
}

/** Asks for the admin key and keeps it only once the gateway accepts it. */
export function LoginForm({ notice, onAccepted }: LoginFormProps) {
  const [error, setError] = useState<string | null>(notice);
  const [checking, setChecking] = useState(false);

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const adminKey = String(new FormData(event.currentTarget as HTMLFormElement).get('admin-key') ?? '').trim();
    if (!adminKey) return setError('Type the admin key (admin.api_key in proxy.yaml).');
    setChecking(true);
    try {
      onAccepted(adminKey, await checkAdminKey(adminKey));
    } catch (refusal) {
      setError((refusal as Error).message);
    } finally {
      setChecking(false);
    }
  };

  return (
    <main class="login">
      <h1>TokenPak</h1>
      <form onSubmit={submit} aria-describedby={error ? 'login-error' : undefined}>
        <label for="admin-key">Admin key</label>
        <input id="admin-key" name="admin-key" type="password" autocomplete="current-password" required autofocus />
        <button type="submit" disabled={checking}>
          {checking ? 'Checking…' : 'Sign in'}
        </button>
        {error && (
          <p id="login-error" class="error" role="alert">
            {error}
          </p>
        )}
      </form>
      <p class="hint">A team's virtual key signs in too, to see its own usage only. The key stays in this tab's session storage and goes only to this gateway.</p>
    </main>
  );
}
