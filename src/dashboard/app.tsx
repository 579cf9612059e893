import { useEffect, useMemo, useState } from 'preact/hooks';
import { adminApi, type Caller } from './api';
import { keyViews, useHashRoute, views, type View } from './hash-route';
import { LoginForm } from './login-form';
import { forgetAdminKey, saveAdminKey, savedAdminKey } from './session';
import { CostView } from './views/cost';
import { KeysView } from './views/keys';
import { OverviewView } from './views/overview';
import { ProvidersView } from './views/providers';
import { RequestsView } from './views/requests';

const titles: Record<View, string> = { overview: 'Overview', requests: 'Requests', cost: 'Cost', providers: 'Providers', keys: 'Keys' };

export function App() {
  const [adminKey, setAdminKey] = useState(savedAdminKey);
  const [caller, setCaller] = useState<Caller | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const view = useHashRoute();

  const signOut = (reason: string | null) => {
    forgetAdminKey();
    setNotice(reason);
    setCaller(null);
    setAdminKey(null);
  };
  const api = useMemo(() => (adminKey ? adminApi(adminKey, (message) => signOut(`Signed out: ${message}`)) : null), [adminKey]);
  // A key kept from before a reload is asked again whose it is.
  useEffect(() => {
    if (api && !caller) api.json<Caller>('/admin/whoami').then(setCaller, () => undefined);
  }, [api, caller]);

  if (!api) {
    return (
      <LoginForm
        notice={notice}
        onAccepted={(key, signedIn) => {
          saveAdminKey(key);
          setNotice(null);
          setCaller(signedIn);
          setAdminKey(key);
        }}
      />
    );
  }
  return (
    <div class="shell">
      <header>
        <span class="brand">TokenPak</span>
        <nav aria-label="Views">
          {(caller?.role === 'key' ? keyViews : views).map((name) => (
            <a href={`#/${name}`} aria-current={name === view ? 'page' : undefined}>
              {titles[name]}
            </a>
          ))}
        </nav>
        <button type="button" class="quiet" onClick={() => signOut(null)}>
          Sign out
        </button>
      </header>
      <main id="view" aria-labelledby="view-title">
        <h1 id="view-title">{titles[view]}</h1>
        {caller?.role === 'key' && (
          <p class="hint" role="status">
            Signed in with the virtual key <strong>{caller.key}</strong>: its own usage only.
          </p>
        )}
        {caller?.role === 'key' && !keyViews.includes(view) ? (
          <p class="error" role="alert">
            This view needs the admin key.
          </p>
        ) : (
          <>
            {view === 'overview' && <OverviewView api={api} />}
            {view === 'requests' && <RequestsView api={api} />}
            {view === 'cost' && <CostView api={api} />}
            {view === 'providers' && <ProvidersView api={api} />}
            {view === 'keys' && <KeysView api={api} />}
          </>
        )}
      </main>
    </div>
  );
}
