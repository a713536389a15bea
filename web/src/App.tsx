import { type ReactElement, useCallback, useEffect, useMemo, useState } from 'react';
import { api, setCsrfToken, setOnUnauthenticated } from './api.js';
import { type Lang, LangContext, type MessageKey, translator } from './i18n.js';
import { AnalyticsPage } from './pages/Analytics.js';
import { AuditLogPage } from './pages/AuditLog.js';
import { MemberPage } from './pages/Member.js';
import { MembersPage } from './pages/Members.js';
import { OverviewPage } from './pages/Overview.js';
import { PricesPage } from './pages/Prices.js';
import { ProgrammePage } from './pages/Programme.js';
import { RulesPage } from './pages/Rules.js';
import { SettingsPage } from './pages/Settings.js';
import { SignIn } from './pages/SignIn.js';
import { TiersPage } from './pages/Tiers.js';
import { VocPage } from './pages/Voc.js';
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
  /** Items of one group are listed under its heading. */
  group?: MessageKey;
}

const ALL: ReadonlyArray<Role> = ['owner', 'marketer', 'support', 'analyst'];
const NAV: NavItem[] = [
  { path: '/', label: 'navOverview', roles: ALL },
  { path: '/members', label: 'navMembers', roles: ALL },
  { path: '/programme/rules', label: 'navRules', roles: ALL, group: 'navProgramme' },
  { path: '/programme/tiers', label: 'navTiers', roles: ALL, group: 'navProgramme' },
  { path: '/programme/rewards', label: 'pgNavRewards', roles: ALL, group: 'navProgramme' },
  { path: '/programme/coupons', label: 'pgNavCoupons', roles: ALL, group: 'navProgramme' },
  { path: '/programme/campaigns', label: 'pgNavCampaigns', roles: ALL, group: 'navProgramme' },
  { path: '/programme/raffles', label: 'pgNavRaffles', roles: ALL, group: 'navProgramme' },
  { path: '/programme/referrals', label: 'pgNavReferrals', roles: ALL, group: 'navProgramme' },
  { path: '/programme/eligibility', label: 'pgNavEligibility', roles: ALL, group: 'navProgramme' },
  { path: '/analytics', label: 'navAnalytics', roles: ALL },
  { path: '/prices', label: 'navPrices', roles: ALL },
  { path: '/voc', label: 'navVoc', roles: ALL },
  { path: '/settings', label: 'navSettings', roles: ['owner'] },
  { path: '/audit-log', label: 'secNavAudit', roles: ['owner'] },
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
    else if (path.startsWith('/programme/'))
      page = <ProgrammePage path={path} role={role} features={features} />;
    else if (path === '/settings') page = <SettingsPage role={role} />;
    else if (path === '/audit-log') page = <AuditLogPage role={role} />;
    else if (path === '/analytics' || path.startsWith('/analytics/'))
      page = !features ? (
        <Loading />
      ) : features.analytics ? (
        <AnalyticsPage role={role} path={path} />
      ) : (
        <NotAvailable title={t('navAnalytics')} />
      );
    else if (path === '/prices' || path.startsWith('/prices/'))
      page = !features ? (
        <Loading />
      ) : features.prices ? (
        <PricesPage
          role={role}
          sku={path.startsWith('/prices/') ? decodeURIComponent(path.slice(8)) || null : null}
        />
      ) : (
        <NotAvailable title={t('navPrices')} />
      );
    else if (path === '/voc' || path.startsWith('/voc/'))
      page = <VocPage path={path} role={role} me={session.user.email} features={features} />;
    else page = <NotAvailable title={path} />;
    body = (
      <div className="shell">
        <aside className="sidebar">
          <div className="brand">
            <strong>{t('appName')}</strong>
            <span>{t('appTagline')}</span>
          </div>
          <nav aria-label="main">
            {NAV.filter((n) => n.roles.includes(role)).map((n, i, shown) => [
              n.group && n.group !== shown[i - 1]?.group ? (
                <span key={`group-${n.group}`} className="nav-group">
                  {t(n.group)}
                </span>
              ) : null,
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
              </a>,
            ])}
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
