import { type FormEvent, useState } from 'react';
import type { Session } from '../App.js';
import { ApiError, api } from '../api.js';
import { useI18n } from '../i18n.js';

export function SignIn(props: { onSignedIn: (s: Session) => void }) {
  const { t } = useI18n();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      props.onSignedIn(await api<Session>('POST', '/admin/api/session', { email, password }));
    } catch (err) {
      if (err instanceof ApiError && err.code === 'account_locked') {
        const seconds = Number(err.problem.retryAfterSeconds ?? 900);
        setError(t('accountLocked', { minutes: Math.ceil(seconds / 60) }));
      } else if (err instanceof ApiError && err.code === 'invalid_credentials') {
        setError(t('invalidCredentials'));
      } else setError(t('genericError'));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="signin">
      <form onSubmit={submit} className="card" aria-labelledby="signin-title">
        <h1 id="signin-title">
          {t('appName')} · {t('signInTitle')}
        </h1>
        <p className="muted">{t('signInHelp')}</p>
        <label className="field">
          <span>{t('email')}</span>
          <input
            name="email"
            type="email"
            dir="ltr"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </label>
        <label className="field">
          <span>{t('password')}</span>
          <input
            name="password"
            type="password"
            dir="ltr"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {error ? (
          <p className="error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" disabled={busy}>
          {t('signIn')}
        </button>
      </form>
    </main>
  );
}
