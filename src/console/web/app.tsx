// The Coffer web console: sign-in, then buckets, objects and (for admins) users, keys, quotas and
// usage. Every request is signed in the page with the user's keys; the secret stays in memory,
// or in sessionStorage only when the user asks to stay signed in for this browser session.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { S3Client } from './s3.js';
import type { Session } from './s3.js';
import { ErrorBox, useAction } from './ui.js';
import { BucketsView } from './buckets.js';
import { ObjectsView } from './objects.js';
import { UsersView, UsageView } from './admin.js';
import { parseRoute } from './routes.js';
import type { Route } from './routes.js';

const STORAGE_KEY = 'coffer.console.session';

function savedSession(): Session | undefined {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    if (!raw) return undefined;
    const s = JSON.parse(raw) as Session;
    return typeof s.accessKeyId === 'string' && typeof s.secretAccessKey === 'string' && typeof s.region === 'string' ? s : undefined;
  } catch {
    return undefined;
  }
}

async function serverRegion(): Promise<string> {
  try {
    const res = await fetch('config.json', { cache: 'no-store' });
    const j = (await res.json()) as { region?: string };
    return j.region ?? 'us-east-1';
  } catch {
    return 'us-east-1';
  }
}

/** Whether these keys may use the admin API (the server answers 403 AccessDenied otherwise). */
async function isAdmin(s3: S3Client): Promise<boolean> {
  try {
    await s3.admin('GET', 'users');
    return true;
  } catch {
    return false;
  }
}

function SignIn({ onSignedIn }: { onSignedIn: (s: Session, stay: boolean) => void }) {
  const [accessKeyId, setAccessKeyId] = useState('');
  const [secretAccessKey, setSecret] = useState('');
  const [stay, setStay] = useState(false);
  const { busy, error, run } = useAction();
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    await run(async () => {
      const session: Session = { accessKeyId: accessKeyId.trim(), secretAccessKey, region: await serverRegion() };
      // ListBuckets proves the keys: a wrong key or secret is S3's InvalidAccessKeyId or SignatureDoesNotMatch.
      await new S3Client(session).listBuckets();
      onSignedIn(session, stay);
    });
  };
  return (
    <main class="signin">
      <form onSubmit={submit} data-testid="signin">
        <h1>Coffer</h1>
        <p class="muted">Sign in with an access key. Requests are signed in this page; the secret key is not sent.</p>
        <label>
          Access key
          <input name="accessKeyId" autocomplete="username" required value={accessKeyId} onInput={(e) => setAccessKeyId(e.currentTarget.value)} />
        </label>
        <label>
          Secret key
          <input name="secretAccessKey" type="password" autocomplete="current-password" required value={secretAccessKey} onInput={(e) => setSecret(e.currentTarget.value)} />
        </label>
        <label class="check">
          <input type="checkbox" name="stay" checked={stay} onChange={(e) => setStay(e.currentTarget.checked)} /> Stay signed in for this browser session
        </label>
        <ErrorBox error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

function App() {
  const [session, setSession] = useState<Session | undefined>(savedSession);
  const [admin, setAdmin] = useState(false);
  const [route, setRoute] = useState<Route>(() => parseRoute(location.hash));
  const [menuOpen, setMenuOpen] = useState(false);

  useEffect(() => {
    const onHash = (): void => {
      setRoute(parseRoute(location.hash));
      setMenuOpen(false);
    };
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    if (session) void isAdmin(new S3Client(session)).then(setAdmin);
  }, [session]);

  if (!session) {
    return (
      <SignIn
        onSignedIn={(s, stay) => {
          if (stay) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(s));
          setSession(s);
        }}
      />
    );
  }
  const s3 = new S3Client(session);
  const signOut = (): void => {
    sessionStorage.removeItem(STORAGE_KEY);
    setSession(undefined);
    setAdmin(false);
    location.hash = '';
  };
  const nav = (href: string, label: string, active: boolean) => (
    <a href={href} class={active ? 'active' : ''} aria-current={active ? 'page' : undefined}>
      {label}
    </a>
  );
  return (
    <div class="shell">
      <header class="top">
        <a href="#/" class="brand">
          Coffer
        </a>
        <button type="button" class="menu-toggle" aria-label="Menu" aria-expanded={menuOpen} onClick={() => setMenuOpen(!menuOpen)}>
          ☰
        </button>
        <nav class={menuOpen ? 'open' : ''}>
          {nav('#/', 'Buckets', route.view === 'buckets' || route.view === 'objects')}
          {admin && nav('#/users', 'Users', route.view === 'users')}
          {admin && nav('#/usage', 'Quotas & usage', route.view === 'usage')}
          <span class="who" title="Signed in as">
            {session.accessKeyId}
          </span>
          <button type="button" onClick={signOut} data-testid="signout">
            Sign out
          </button>
        </nav>
      </header>
      <main>
        {route.view === 'buckets' && <BucketsView s3={s3} admin={admin} />}
        {route.view === 'objects' && <ObjectsView key={`${route.bucket}`} s3={s3} bucket={route.bucket} prefix={route.prefix} />}
        {route.view === 'users' && <UsersView s3={s3} />}
        {route.view === 'usage' && <UsageView s3={s3} />}
      </main>
    </div>
  );
}

render(<App />, document.getElementById('app')!);
