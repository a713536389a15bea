import { type FormEvent, lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { fmtDate, fmtMonth, fmtNumber, fmtToman } from '../../src/format.js';
import { ApiError, api, setCsrfToken, setOnUnauthenticated } from './api.js';
import { ComplaintsView, RafflesView, ReferralView, SurveyLinkPage, SurveysView } from './Engage.js';
import { initialLang, type Lang, LangContext, type MessageKey, translator, useI18n } from './i18n.js';
import { useLoad } from './load.js';

// ECharts is most of the bundle: loaded only when a price chart is shown, so sign-in stays light on a phone.
const PriceChart = lazy(() => import('./PriceChart.js').then((m) => ({ default: m.PriceChart })));

interface Club {
  id: string;
  name: string;
}
interface Session {
  member: { externalId: string; firstName: string | null; lastName: string | null; mobile: string | null };
  club: Club;
  csrfToken: string;
}
type Local = { fa: string; en: string };
interface Home {
  balance: {
    available: number;
    pending: number;
    reserved: number;
    nextExpiry: { points: number; at: string } | null;
  };
  tier: {
    measure: string;
    measureValue: number;
    current: { key: string; name: Local } | null;
    next: {
      tier: { name: Local };
      threshold: number;
      remaining: number;
      deadline: string;
      message: Local;
    } | null;
    message: Local;
    benefits: {
      shippingClass: string | null;
      freeShippingThresholdRials: number | null;
      warrantyExtensionMonths: number;
      earningMultiplier: number;
      earlyAccessHours: number;
      perks: Local[];
    };
  } | null;
  features: {
    rewards: boolean;
    prices: boolean;
    complaints: boolean;
    surveys: boolean;
    referrals: boolean;
    raffles: boolean;
  };
}

type Tab = 'home' | 'history' | 'rewards' | 'prices' | 'more';

export function App() {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const t = useMemo(() => translator(lang), [lang]);
  const setLang = useCallback((l: Lang) => {
    localStorage.setItem('vafa.portal.lang', l);
    setLangState(l);
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang;
    document.documentElement.dir = lang === 'fa' ? 'rtl' : 'ltr';
  }, [lang]);

  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [club, setClub] = useState<Club | null | 'none'>(null);
  // A personal survey link (/portal/s/<token>) is a page of its own: it needs no sign-in.
  const surveyToken = /^\/portal\/s\/([^/?#]+)/.exec(location.pathname)?.[1] ?? null;
  const [linkClub, setLinkClub] = useState('');
  useEffect(() => {
    if (surveyToken) return;
    setOnUnauthenticated(() => setSession(null));
    api<Session | null>('GET', '/session').then(
      (s) => {
        if (s) setCsrfToken(s.csrfToken);
        setSession(s);
      },
      () => setSession(null),
    );
    const wanted = new URLSearchParams(location.search).get('club');
    api<Club>('GET', wanted ? `/club?club=${encodeURIComponent(wanted)}` : '/club').then(setClub, () =>
      setClub('none'),
    );
  }, [surveyToken]);
  useEffect(() => {
    const name = linkClub || (session?.club.name ?? (club && club !== 'none' ? club.name : ''));
    document.title = name ? `${name} — ${t('portal')}` : t('portal');
  }, [session, club, linkClub, t]);

  return (
    <LangContext.Provider value={{ lang, t, setLang }}>
      <a className="skip" href="#main">
        {t('skip')}
      </a>
      <header className="top">
        <strong className="brand">
          {linkClub || (session?.club.name ?? (club && club !== 'none' ? club.name : t('portal')))}
        </strong>
        <button
          type="button"
          className="ghost"
          data-testid="lang"
          lang={lang === 'fa' ? 'en' : 'fa'}
          aria-label={t('switchLangLabel')}
          onClick={() => setLang(lang === 'fa' ? 'en' : 'fa')}
        >
          {t('switchLang')}
        </button>
        {session && !surveyToken && (
          <button
            type="button"
            className="ghost"
            data-testid="sign-out"
            onClick={async () => {
              await api('DELETE', '/session').catch(() => {});
              setSession(null);
            }}
          >
            {t('signOut')}
          </button>
        )}
      </header>
      {surveyToken ? (
        <SurveyLinkPage token={decodeURIComponent(surveyToken)} onClub={setLinkClub} />
      ) : session === undefined ? (
        <main id="main" className="page">
          <p aria-live="polite">{t('loading')}</p>
        </main>
      ) : session ? (
        <Portal session={session} />
      ) : club === 'none' ? (
        <main id="main" className="page">
          <p role="alert">{t('noClub')}</p>
        </main>
      ) : club ? (
        <SignIn
          club={club}
          onSignedIn={(s) => {
            setCsrfToken(s.csrfToken);
            setSession(s);
          }}
        />
      ) : (
        <main id="main" className="page">
          <p aria-live="polite">{t('loading')}</p>
        </main>
      )}
    </LangContext.Provider>
  );
}

function problemText(err: unknown, t: ReturnType<typeof useI18n>['t'], lang: Lang): string {
  if (!(err instanceof ApiError)) return t('genericError');
  const p = err.problem;
  switch (p.code) {
    case 'otp_invalid':
      return p.attemptsLeft ? t('otpInvalidLeft', { n: fmtNumber(p.attemptsLeft, lang) }) : t('otpInvalid');
    case 'otp_attempts_exceeded':
      return t('otpBurned');
    case 'rate_limited':
      return t('rateLimited', { s: fmtNumber(p.retryAfterSeconds ?? 60, lang) });
    case 'validation_failed':
      return p.errors?.some((e) => e.field === 'mobile') ? t('badMobile') : t('otpInvalid');
    default:
      return t('genericError');
  }
}

function SignIn(props: { club: Club; onSignedIn: (s: Session) => void }) {
  const { t, lang } = useI18n();
  const [mobile, setMobile] = useState('');
  const [sent, setSent] = useState(false);
  const [code, setCode] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [wait, setWait] = useState(0);
  const codeRef = useRef<HTMLInputElement>(null);
  const mobileRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (wait <= 0) return;
    const id = setTimeout(() => setWait((w) => w - 1), 1000);
    return () => clearTimeout(id);
  }, [wait]);
  useEffect(() => {
    // Focus follows the step, so keyboard and screen-reader users land on the next field.
    (sent ? codeRef : mobileRef).current?.focus();
  }, [sent]);

  async function sendCode(e?: FormEvent) {
    e?.preventDefault();
    setBusy(true);
    setError('');
    try {
      const r = await api<{ resendAfterSeconds: number }>('POST', '/otp', {
        clubId: props.club.id,
        mobile,
        lang,
      });
      setSent(true);
      setWait(r.resendAfterSeconds);
    } catch (err) {
      setError(problemText(err, t, lang));
    } finally {
      setBusy(false);
    }
  }

  async function verify(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      props.onSignedIn(await api<Session>('POST', '/session', { clubId: props.club.id, mobile, code }));
    } catch (err) {
      setError(problemText(err, t, lang));
      if (err instanceof ApiError && err.code === 'otp_attempts_exceeded') setCode('');
      codeRef.current?.focus();
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" className="page narrow">
      <h1>{t('signInTitle')}</h1>
      {!sent ? (
        <form onSubmit={sendCode} className="card stack" noValidate>
          <p className="muted">{t('signInHelp')}</p>
          <label htmlFor="mobile">{t('mobile')}</label>
          <input
            ref={mobileRef}
            id="mobile"
            name="mobile"
            type="tel"
            inputMode="tel"
            autoComplete="tel-national"
            dir="ltr"
            placeholder={t('mobileHint')}
            value={mobile}
            onChange={(e) => setMobile(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? 'signin-error' : undefined}
            required
          />
          <button type="submit" disabled={busy || mobile.trim() === ''}>
            {t('sendCode')}
          </button>
        </form>
      ) : (
        <form onSubmit={verify} className="card stack" noValidate>
          <p className="muted" data-testid="code-help">
            {t('codeHelp', { mobile })}
          </p>
          <label htmlFor="code">{t('code')}</label>
          <input
            ref={codeRef}
            id="code"
            name="code"
            inputMode="numeric"
            autoComplete="one-time-code"
            dir="ltr"
            maxLength={6}
            pattern="[0-9۰-۹]{6}"
            value={code}
            onChange={(e) => setCode(e.target.value.trim())}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? 'signin-error' : undefined}
            required
          />
          <button type="submit" disabled={busy || code.length !== 6}>
            {t('signIn')}
          </button>
          <div className="row">
            <button type="button" className="link" onClick={() => sendCode()} disabled={busy || wait > 0}>
              {wait > 0 ? t('resendIn', { s: fmtNumber(wait, lang) }) : t('resend')}
            </button>
            <button
              type="button"
              className="link"
              onClick={() => {
                setSent(false);
                setCode('');
                setError('');
              }}
            >
              {t('changeMobile')}
            </button>
          </div>
        </form>
      )}
      {error && (
        <p role="alert" id="signin-error" className="error" data-testid="signin-error">
          {error}
        </p>
      )}
    </main>
  );
}

const TABS: Array<{ tab: Tab; key: MessageKey }> = [
  { tab: 'home', key: 'navHome' },
  { tab: 'history', key: 'navHistory' },
  { tab: 'rewards', key: 'navRewards' },
  { tab: 'prices', key: 'navPrices' },
  { tab: 'more', key: 'navMore' },
];

function Portal({ session }: { session: Session }) {
  const { t } = useI18n();
  const [tab, setTab] = useState<Tab>('home');
  const home = useLoad<Home>('/me/home');
  const name = [session.member.firstName, session.member.lastName].filter(Boolean).join(' ');
  return (
    <>
      <nav className="tabs" aria-label={t('mainNav')}>
        {TABS.map((x) => (
          <button
            key={x.tab}
            type="button"
            data-testid={`tab-${x.tab}`}
            aria-current={tab === x.tab ? 'page' : undefined}
            onClick={() => setTab(x.tab)}
          >
            {t(x.key)}
          </button>
        ))}
      </nav>
      <main id="main" className="page">
        {name && <p className="hello">{t('hello', { name })}</p>}
        {!home.data ? (
          <p aria-live="polite">{home.error ? t('genericError') : t('loading')}</p>
        ) : tab === 'home' ? (
          <HomeView home={home.data} />
        ) : tab === 'history' ? (
          <HistoryView />
        ) : tab === 'rewards' ? (
          home.data.features.rewards ? (
            <RewardsView onRedeemed={home.reload} />
          ) : (
            <NotAvailable title={t('rewards')} />
          )
        ) : tab === 'prices' ? (
          home.data.features.prices ? (
            <PricesView />
          ) : (
            <NotAvailable title={t('prices')} />
          )
        ) : (
          <MoreView features={home.data.features} onPointsChanged={home.reload} />
        )}
      </main>
    </>
  );
}

type Section = 'complaints' | 'surveys' | 'referral' | 'raffles';

/** "More": complaints, surveys, the referral link and raffles, one at a time (a phone screen is narrow). */
function MoreView(props: { features: Home['features']; onPointsChanged: () => void }) {
  const { t, lang } = useI18n();
  const f = props.features;
  const [section, setSection] = useState<Section | null>(null);
  const surveys = useLoad<{ items: unknown[] }>(f.surveys ? '/me/surveys' : null);
  const back = (
    <button type="button" className="link" data-testid="more-back" onClick={() => setSection(null)}>
      {t('back')}
    </button>
  );
  if (section === 'complaints') return <ComplaintsView back={back} />;
  if (section === 'surveys')
    return (
      <SurveysView
        back={back}
        onAnswered={() => {
          surveys.reload();
          props.onPointsChanged();
        }}
      />
    );
  if (section === 'referral')
    return (
      <>
        {back}
        <ReferralView />
      </>
    );
  if (section === 'raffles')
    return (
      <>
        {back}
        <RafflesView onEntered={props.onPointsChanged} />
      </>
    );
  const items: Array<{ key: Section; on: boolean; title: string; note?: string }> = [
    { key: 'complaints', on: f.complaints, title: t('complaints') },
    {
      key: 'surveys',
      on: f.surveys,
      title: t('surveys'),
      ...(surveys.data?.items.length
        ? { note: t('pendingCount', { n: fmtNumber(surveys.data.items.length, lang) }) }
        : {}),
    },
    { key: 'referral', on: f.referrals, title: t('referrals') },
    { key: 'raffles', on: f.raffles, title: t('raffles') },
  ];
  return (
    <section aria-labelledby="more-title">
      <h2 id="more-title">{t('moreHelp')}</h2>
      <ul className="menu">
        {items.map((x) =>
          x.on ? (
            <li key={x.key}>
              <button type="button" data-testid={`more-${x.key}`} onClick={() => setSection(x.key)}>
                <span>{x.title}</span>
                {x.note && <span className="badge">{x.note}</span>}
              </button>
            </li>
          ) : (
            <li key={x.key}>
              <NotAvailable title={x.title} />
            </li>
          ),
        )}
      </ul>
    </section>
  );
}

function NotAvailable({ title }: { title: string }) {
  const { t } = useI18n();
  return (
    <section className="card" data-testid="not-available">
      <h2>{title}</h2>
      <p className="muted">
        <strong>{t('notAvailable')}</strong> — {t('notAvailableBody')}
      </p>
    </section>
  );
}

function HomeView({ home }: { home: Home }) {
  const { t, lang } = useI18n();
  const b = home.balance;
  const tier = home.tier;
  const ratio = tier?.next ? Math.min(1, Math.max(0, 1 - tier.next.remaining / tier.next.threshold)) : 1;
  const benefits = tier?.benefits;
  const lines: string[] = [];
  if (benefits) {
    if (benefits.earningMultiplier > 1)
      lines.push(t('earningMultiplier', { x: fmtNumber(benefits.earningMultiplier, lang, 2) }));
    if (benefits.freeShippingThresholdRials !== null)
      lines.push(t('freeShippingOver', { amount: fmtToman(benefits.freeShippingThresholdRials, lang) }));
    if (benefits.shippingClass) lines.push(t('shippingClass', { c: benefits.shippingClass }));
    if (benefits.warrantyExtensionMonths > 0)
      lines.push(t('warranty', { months: fmtNumber(benefits.warrantyExtensionMonths, lang) }));
    if (benefits.earlyAccessHours > 0)
      lines.push(t('earlyAccess', { hours: fmtNumber(benefits.earlyAccessHours, lang) }));
    for (const p of benefits.perks) lines.push(p[lang]);
  }
  return (
    <>
      <section className="card balance" aria-labelledby="balance-title">
        <h2 id="balance-title">{t('balance')}</h2>
        <p className="big" data-testid="balance-available">
          {t('points', { n: fmtNumber(b.available, lang) })}
        </p>
        <dl className="pairs">
          <div>
            <dt title={t('pendingHelp')}>{t('pending')}</dt>
            <dd data-testid="balance-pending">{fmtNumber(b.pending, lang)}</dd>
          </div>
          <div>
            <dt>{t('reserved')}</dt>
            <dd>{fmtNumber(b.reserved, lang)}</dd>
          </div>
        </dl>
        <p className="muted" data-testid="next-expiry">
          {b.nextExpiry
            ? t('nextExpiry', {
                points: fmtNumber(b.nextExpiry.points, lang),
                date: fmtDate(b.nextExpiry.at, lang),
              })
            : t('noExpiry')}
        </p>
      </section>
      {tier && (
        <section className="card" aria-labelledby="tier-title">
          <h2 id="tier-title">{t('tier')}</h2>
          <p className="big" data-testid="tier-name">
            {tier.current ? tier.current.name[lang] : t('noTier')}
          </p>
          {tier.next ? (
            <>
              <div
                className="progress"
                role="progressbar"
                aria-label={t('progressLabel', { next: tier.next.tier.name[lang] })}
                aria-valuemin={0}
                aria-valuemax={100}
                aria-valuenow={Math.round(ratio * 100)}
              >
                <span style={{ inlineSize: `${ratio * 100}%` }} />
              </div>
              <p data-testid="tier-progress">{tier.next.message[lang]}</p>
            </>
          ) : (
            <p>{tier.current ? t('topTier') : tier.message[lang]}</p>
          )}
          <h3>{t('benefits')}</h3>
          {lines.length ? (
            <ul className="benefits" data-testid="benefits">
              {lines.map((l) => (
                <li key={l}>{l}</li>
              ))}
            </ul>
          ) : (
            <p className="muted">{t('noBenefits')}</p>
          )}
        </section>
      )}
    </>
  );
}

interface HistoryPage {
  items: Array<{
    id: string;
    at: string;
    reason: string;
    available: number;
    pending: number;
    note: string | null;
  }>;
  nextCursor: string | null;
}

function HistoryView() {
  const { t, lang } = useI18n();
  const [items, setItems] = useState<HistoryPage['items']>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const load = useCallback(async (after: string | null) => {
    const page = await api<HistoryPage>(
      'GET',
      `/me/history?limit=20${after ? `&cursor=${encodeURIComponent(after)}` : ''}`,
    );
    setItems((old) => (after ? [...old, ...page.items] : page.items));
    setCursor(page.nextCursor);
    setLoaded(true);
  }, []);
  useEffect(() => {
    load(null).catch(() => setLoaded(true));
  }, [load]);
  return (
    <section className="card" aria-labelledby="history-title">
      <h2 id="history-title">{t('history')}</h2>
      {!loaded ? (
        <p>{t('loading')}</p>
      ) : items.length === 0 ? (
        <p className="muted">{t('noHistory')}</p>
      ) : (
        <ul className="history" data-testid="history-list">
          {items.map((e) => {
            const delta = e.available !== 0 ? e.available : e.pending;
            return (
              <li key={e.id}>
                <div>
                  <strong>{t(`r_${e.reason}` as MessageKey)}</strong>
                  {e.note && <span className="muted"> — {e.note}</span>}
                  <div className="muted small">
                    {fmtDate(e.at, lang)}
                    {e.available === 0 && e.pending !== 0 ? ` · ${t('pending')}` : ''}
                  </div>
                </div>
                <span className={delta < 0 ? 'neg' : 'pos'} dir="ltr">
                  {delta > 0 ? '+' : ''}
                  {fmtNumber(delta, lang)}
                </span>
              </li>
            );
          })}
        </ul>
      )}
      {cursor && (
        <button type="button" className="secondary" onClick={() => load(cursor)}>
          {t('more')}
        </button>
      )}
    </section>
  );
}

interface Rewards {
  items: Array<{
    id: string;
    nameFa: string;
    nameEn: string | null;
    description: string | null;
    costPoints: number;
    canRedeem: boolean;
    reason: string | null;
  }>;
  issues: Array<{
    id: string;
    rewardId: string;
    points: number;
    couponCode: string | null;
    createdAt: string;
  }>;
}

function RewardsView(props: { onRedeemed: () => void }) {
  const { t, lang } = useI18n();
  const rewards = useLoad<Rewards>('/me/rewards');
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const names = new Map(
    rewards.data?.items.map((r) => [r.id, lang === 'en' && r.nameEn ? r.nameEn : r.nameFa]),
  );
  async function redeem(id: string) {
    setBusy(id);
    setMessage('');
    try {
      const issue = await api<{ couponCode: string | null }>(
        'POST',
        `/me/rewards/${encodeURIComponent(id)}/redeem`,
        undefined,
        {
          'idempotency-key': crypto.randomUUID(),
        },
      );
      setMessage(issue.couponCode ? t('redeemed', { code: issue.couponCode }) : t('redeemedNoCode'));
      rewards.reload();
      props.onRedeemed();
    } catch (err) {
      setMessage(err instanceof ApiError ? err.problem.detail : t('genericError'));
    } finally {
      setBusy(null);
    }
  }
  if (!rewards.data) return <p>{rewards.error ? t('genericError') : t('loading')}</p>;
  return (
    <>
      <section className="card" aria-labelledby="rewards-title">
        <h2 id="rewards-title">{t('rewards')}</h2>
        <p className="muted">{t('rewardsHelp')}</p>
        {message && (
          <p role="status" className="notice" data-testid="redeem-message">
            {message}
          </p>
        )}
        {rewards.data.items.length === 0 ? (
          <p className="muted">{t('noRewards')}</p>
        ) : (
          <ul className="rewards">
            {rewards.data.items.map((r) => (
              <li key={r.id} data-testid={`reward-${r.id}`}>
                <strong>{lang === 'en' && r.nameEn ? r.nameEn : r.nameFa}</strong>
                {r.description && <p className="muted small">{r.description}</p>}
                <button type="button" disabled={!r.canRedeem || busy !== null} onClick={() => redeem(r.id)}>
                  {t('redeem', { n: fmtNumber(r.costPoints, lang) })}
                </button>
                {!r.canRedeem && r.reason && (
                  <span className="muted small"> {t(`reason_${r.reason}` as MessageKey)}</span>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
      {rewards.data.issues.length > 0 && (
        <section className="card" aria-labelledby="issues-title">
          <h2 id="issues-title">{t('yourRewards')}</h2>
          <ul className="history">
            {rewards.data.issues.map((i) => (
              <li key={i.id}>
                <div>
                  <strong>{names.get(i.rewardId) ?? i.rewardId}</strong>
                  <div className="muted small">{fmtDate(i.createdAt, lang)}</div>
                </div>
                {i.couponCode && (
                  <code dir="ltr" className="coupon">
                    {i.couponCode}
                  </code>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}

interface Watches {
  items: Array<{
    sku: string;
    titleFa: string;
    titleEn: string | null;
    targetPriceRials: number | null;
    currentPriceRials: number | null;
  }>;
}
interface PriceHistory {
  series: Array<{ start: string; closeRials: number }>;
  signal: { action: 'buy' | 'wait' | 'neutral' };
}

interface Found {
  items: Array<{
    sku: string;
    titleFa: string;
    titleEn: string | null;
    currentPriceRials: number | null;
    isWatched: boolean;
  }>;
}

function PricesView() {
  const { t, lang } = useI18n();
  const watches = useLoad<Watches>('/me/watches');
  const [q, setQ] = useState('');
  const [found, setFound] = useState<Found['items'] | null>(null);
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  const titleOf = (w: { titleFa: string; titleEn: string | null }) =>
    lang === 'en' && w.titleEn ? w.titleEn : w.titleFa;
  async function search(e: FormEvent) {
    e.preventDefault();
    if (q.trim().length < 2) return;
    setBusy(true);
    setMessage('');
    try {
      setFound((await api<Found>('GET', `/me/products?q=${encodeURIComponent(q.trim())}`)).items);
    } catch (err) {
      setMessage(err instanceof ApiError ? err.problem.detail : t('genericError'));
    } finally {
      setBusy(false);
    }
  }
  async function watch(p: Found['items'][number]) {
    setBusy(true);
    try {
      await api('PUT', `/me/watches/${encodeURIComponent(p.sku)}`, {});
      setMessage(t('watchAdded', { title: titleOf(p) }));
      setFound((old) => old?.map((x) => (x.sku === p.sku ? { ...x, isWatched: true } : x)) ?? null);
      watches.reload();
    } catch (err) {
      setMessage(err instanceof ApiError ? err.problem.detail : t('genericError'));
    } finally {
      setBusy(false);
    }
  }
  async function unwatch(w: Watches['items'][number]) {
    setBusy(true);
    try {
      await api('DELETE', `/me/watches/${encodeURIComponent(w.sku)}`);
      setMessage(t('watchRemoved', { title: titleOf(w) }));
      setFound((old) => old?.map((x) => (x.sku === w.sku ? { ...x, isWatched: false } : x)) ?? null);
      watches.reload();
    } catch (err) {
      setMessage(err instanceof ApiError ? err.problem.detail : t('genericError'));
    } finally {
      setBusy(false);
    }
  }
  return (
    <section aria-labelledby="prices-title">
      <h2 id="prices-title">{t('prices')}</h2>
      <p className="muted">{t('pricesHelp')}</p>
      <form className="card stack" onSubmit={search} noValidate>
        <label htmlFor="product-q">{t('findProduct')}</label>
        <div className="inline">
          <input
            id="product-q"
            type="search"
            value={q}
            onChange={(e) => setQ(e.target.value)}
            aria-describedby="product-q-help"
            minLength={2}
            maxLength={100}
          />
          <button type="submit" disabled={busy || q.trim().length < 2}>
            {t('search')}
          </button>
        </div>
        <p id="product-q-help" className="muted small">
          {t('findProductHelp')}
        </p>
        {found &&
          (found.length === 0 ? (
            <p className="muted">{t('noProducts')}</p>
          ) : (
            <ul className="history" data-testid="product-results">
              {found.map((p) => (
                <li key={p.sku}>
                  <div>
                    <strong>{titleOf(p)}</strong>
                    <div className="muted small">
                      <bdi dir="ltr">{p.sku}</bdi>
                      {p.currentPriceRials !== null && ` · ${fmtToman(p.currentPriceRials, lang)}`}
                    </div>
                  </div>
                  <button
                    type="button"
                    className={p.isWatched ? 'secondary' : ''}
                    data-testid={`watch-add-${p.sku}`}
                    disabled={busy || p.isWatched}
                    onClick={() => watch(p)}
                  >
                    {p.isWatched ? t('watching') : t('watch')}
                  </button>
                </li>
              ))}
            </ul>
          ))}
      </form>
      {message && (
        <p role="status" className="notice" data-testid="watch-message">
          {message}
        </p>
      )}
      {!watches.data ? (
        <p>{watches.error ? t('genericError') : t('loading')}</p>
      ) : (
        <>
          {watches.data.items.length === 0 && <p className="muted">{t('noWatches')}</p>}
          {watches.data.items.map((w) => (
            <WatchCard key={w.sku} watch={w} title={titleOf(w)} onRemove={() => unwatch(w)} busy={busy} />
          ))}
        </>
      )}
    </section>
  );
}

function WatchCard(props: {
  watch: Watches['items'][number];
  title: string;
  onRemove: () => void;
  busy: boolean;
}) {
  const { t, lang } = useI18n();
  const h = useLoad<PriceHistory>(`/me/watches/${encodeURIComponent(props.watch.sku)}/history`);
  const labels = useMemo(() => h.data?.series.map((b) => fmtMonth(b.start, lang)) ?? [], [h.data, lang]);
  const values = useMemo(() => h.data?.series.map((b) => b.closeRials) ?? [], [h.data]);
  return (
    <article className="card" data-testid={`watch-${props.watch.sku}`}>
      <h3>{props.title}</h3>
      <dl className="pairs">
        <div>
          <dt>{t('current')}</dt>
          <dd>
            {props.watch.currentPriceRials === null ? '—' : fmtToman(props.watch.currentPriceRials, lang)}
          </dd>
        </div>
        {props.watch.targetPriceRials !== null && (
          <div>
            <dt>{t('target')}</dt>
            <dd>{fmtToman(props.watch.targetPriceRials, lang)}</dd>
          </div>
        )}
      </dl>
      {h.data && (
        <>
          <p className={`signal ${h.data.signal.action}`}>{t(`signal_${h.data.signal.action}`)}</p>
          <Suspense fallback={<div className="chart" />}>
            <PriceChart
              labels={labels}
              values={values}
              label={t('chartOf', { title: props.title })}
              testId={`chart-${props.watch.sku}`}
            />
          </Suspense>
        </>
      )}
      <button type="button" className="secondary" disabled={props.busy} onClick={props.onRemove}>
        {t('unwatch')}
      </button>
    </article>
  );
}
