import { type ReactElement, useCallback, useEffect, useMemo, useState } from 'react';
import { api, setCsrfToken, setOnUnauthenticated } from './api.js';
import { type Lang, LangContext, type MessageKey, translator } from './i18n.js';
import { MemberPage } from './pages/Member.js';
import { MembersPage } from './pages/Members.js';
import { OverviewPage } from './pages/Overview.js';
import { RulesPage } from './pages/Rules.js';
import { SettingsPage } from './pages/Settings.js';
import { SignIn } from './pages/SignIn.js';
import { TiersPage } from './pages/Tiers.js';
import { navigate, usePath } from './router.js';
import { Forbidden, Loading, NotAvailable, ROLE_KEYS, type Role } from './ui.js';

export interface Session {
  user: { id: string; clubId: string; email: string; role: Role };
  csrfToken: string;
  expiresAt: string;
}

export interface Features {
  surveys: boolean;
  complaints: boolean;
  campaigns: boolean;
  rewards: boolean;
  analytics: boolean;
  prices: boolean;
  webhooks: boolean;
  messages: boolean;
}

interface NavItem {
  path: string;
  label: MessageKey;
  /** Mirrors the server's role table (docs/dashboard.md); the server still refuses on its own. */
  roles: ReadonlyArray<Role>;
}

const ALL: ReadonlyArray<Role> = ['owner', 'marketer', 'support', 'analyst'];
const NAV: NavItem[] = [
  { path: '/', label: 'navOverview', roles: ALL },
  { path: '/members', label: 'navMembers', roles: ALL },
  { path: '/programme/rules', label: 'navRules', roles: ALL },
  { path: '/programme/tiers', label: 'navTiers', roles: ALL },
  { path: '/analytics', label: 'navAnalytics', roles: ALL },
  { path: '/voc', label: 'navVoc', roles: ALL },
  { path: '/settings', label: 'navSettings', roles: ['owner'] },
];

const LANG_KEY = 'vafa.lang';

export function App() {
  const [lang, setLangState] = useState<Lang>(() => (localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'fa'));
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [features, setFeatures] = useState<Features | null>(null);
  const path = usePath();
  const t = useMemo(() => translator(lang), [lang]);
  const setLang = useCallback((l: Lang) => {
    localStorage.setItem(LANG_KEY, l);
    setLangState(l);
  }, []);

  useEffect(() => {
    document.documentElement.lang = lang;
    document.documentElement.dir = lang === 'fa' ? 'rtl' : 'ltr';
    document.title = `${t('appName')} — ${t('appTagline')}`;
  }, [lang, t]);

  const signedIn = useCallback((s: Session | null) => {
    setCsrfToken(s?.csrfToken ?? '');
    setSession(s);
  }, []);

  useEffect(() => {
    setOnUnauthenticated(() => signedIn(null));
    api<Session | null>('GET', '/admin/api/session').then(signedIn, () => signedIn(null));
  }, [signedIn]);

  useEffect(() => {
    if (session) api<Features>('GET', '/v1/reports/features').then(setFeatures, () => setFeatures(null));
  }, [session]);

  const ctx = useMemo(() => ({ lang, t, setLang }), [lang, t, setLang]);
  let body: ReactElement;
  if (session === undefined) body = <Loading />;
  else if (session === null) body = <SignIn onSignedIn={signedIn} />;
  else {
    const role = session.user.role;
    const item = NAV.find((n) => (n.path === '/' ? path === '/' : path.startsWith(n.path)));
    let page: ReactElement;
    if (item && !item.roles.includes(role)) page = <Forbidden role={role} />;
    else if (path === '/') page = <OverviewPage role={role} features={features} />;
    else if (path === '/members') page = <MembersPage role={role} />;
    else if (path.startsWith('/members/'))
      page = (
        <MemberPage
          externalId={decodeURIComponent(path.slice('/members/'.length))}
          role={role}
          features={features}
        />
      );
    else if (path === '/programme/rules') page = <RulesPage role={role} />;
    else if (path === '/programme/tiers') page = <TiersPage role={role} />;
    else if (path === '/settings') page = <SettingsPage role={role} />;
    else if (path === '/analytics')
      page = <NotAvailable title={t('navAnalytics')} built={!!features?.analytics} />;
    else if (path === '/voc')
      page = <NotAvailable title={t('navVoc')} built={!!(features?.surveys || features?.complaints)} />;
    else page = <NotAvailable title={path} />;
    body = (
      <div className="shell">
        <aside className="sidebar">
          <div className="brand">
            <strong>{t('appName')}</strong>
            <span>{t('appTagline')}</span>
          </div>
          <nav aria-label="main">
            {NAV.filter((n) => n.roles.includes(role)).map((n) => (
              <a
                key={n.path}
                href={`/admin${n.path}`}
                className={item === n ? 'active' : ''}
                onClick={(e) => {
                  e.preventDefault();
                  navigate(n.path);
                }}
              >
                {t(n.label)}
              </a>
            ))}
          </nav>
        </aside>
        <div className="main">
          <header className="topbar">
            <span className="who" data-testid="who">
              {session.user.email} · {t(ROLE_KEYS[role])}
            </span>
            <button
              type="button"
              className="secondary"
              onClick={() => setLang(lang === 'fa' ? 'en' : 'fa')}
              data-testid="lang"
            >
              {t('switchLang')}
            </button>
            <button
              type="button"
              className="secondary"
              onClick={async () => {
                await api('DELETE', '/admin/api/session');
                signedIn(null);
              }}
            >
              {t('signOut')}
            </button>
          </header>
          <main>{page}</main>
        </div>
      </div>
    );
  }
  return <LangContext.Provider value={ctx}>{body}</LangContext.Provider>;
}
