import { type FormEvent, useEffect, useMemo, useState } from 'react';
import { ApiError, api, enc } from '../api.js';
import { fmtDate, fmtDateTime, fmtNumber, fmtPercent, fmtToman } from '../format.js';
import { useApi } from '../hooks.js';
import { type Lang, useI18n } from '../i18n.js';
import { navigate } from '../router.js';
import { Card, LoadError, Loading, type Role } from '../ui.js';
import { fmtCompact } from './Analytics.js';
import { EChart, FONT } from './AnalyticsChart.js';

interface Product {
  sku: string;
  titleFa: string;
  titleEn: string | null;
  category: string | null;
  url: string | null;
  isActive: boolean;
  currentPrice: { priceRials: number; inStock: boolean; since: string; lastSeenAt: string } | null;
}

interface ProductPage {
  items: Product[];
  nextCursor: string | null;
}

interface History {
  resolution: 'day' | 'week' | 'month';
  series: Array<{
    start: string;
    jalaliDate: string;
    openRials: number;
    minRials: number;
    maxRials: number;
    closeRials: number;
  }>;
  stats: {
    current: Product['currentPrice'];
    previousPriceRials: number | null;
    changeRials: number | null;
    changePercent: number | null;
    windows: Array<{
      days: number;
      minRials: number | null;
      avgRials: number | null;
      maxRials: number | null;
    }>;
    allTimeLow: { priceRials: number; lastAt: string; daysSince: number } | null;
    allTimeHighRials: number | null;
  };
  signal: {
    action: 'buy' | 'wait' | 'neutral';
    code: string;
    reasonFa: string;
    reasonEn: string;
    vsAverage30Percent: number | null;
  };
}

interface Alert {
  id: string;
  sku: string;
  reason: 'target' | 'drop';
  oldPriceRials: number | null;
  newPriceRials: number;
  observedAt: string;
}

const RANGES = [
  { days: 90, key: 'prRange90', resolution: 'day' },
  { days: 365, key: 'prRange365', resolution: 'day' },
  { days: 1095, key: 'prRange1095', resolution: 'week' },
] as const;

/** An axis label in the Jalali calendar: day and month, or month and year for long ranges. */
function axisDate(iso: string, lang: Lang, long: boolean): string {
  return new Intl.DateTimeFormat(`${lang === 'fa' ? 'fa-IR' : 'en-US'}-u-ca-persian`, {
    timeZone: 'Asia/Tehran',
    ...(long ? { year: 'numeric', month: 'short' } : { month: 'short', day: 'numeric' }),
  }).format(new Date(iso));
}

export function PricesPage(props: { role: Role; sku: string | null }) {
  const { t, lang } = useI18n();
  const [input, setInput] = useState(props.sku ?? '');
  // The search follows typing after a pause, so each keystroke does not ask the server.
  const [query, setQuery] = useState(input.trim());
  useEffect(() => {
    const timer = setTimeout(() => setQuery(input.trim()), 300);
    return () => clearTimeout(timer);
  }, [input]);
  const alerts = useApi<{ items: Alert[] }>('/v1/price-alerts?limit=20');
  const results = useApi<ProductPage>(`/v1/products?limit=20${query ? `&q=${enc(query)}` : ''}`);
  const [more, setMore] = useState<{ query: string; items: Product[]; nextCursor: string | null } | null>(
    null,
  );
  const extra = more && more.query === query ? more : null;
  const items = [...(results.data?.items ?? []), ...(extra?.items ?? [])];
  const nextCursor = extra ? extra.nextCursor : (results.data?.nextCursor ?? null);
  const [moreError, setMoreError] = useState<unknown>(null);
  async function loadMore() {
    if (!nextCursor) return;
    setMoreError(null);
    try {
      const page = await api<ProductPage>(
        'GET',
        `/v1/products?limit=20&cursor=${enc(nextCursor)}${query ? `&q=${enc(query)}` : ''}`,
      );
      setMore({ query, items: [...(extra?.items ?? []), ...page.items], nextCursor: page.nextCursor });
    } catch (e) {
      setMoreError(e);
    }
  }
  function open(sku: string) {
    setInput(sku);
    navigate(`/prices/${enc(sku)}`);
  }
  function submit(e: FormEvent) {
    e.preventDefault();
    const text = input.trim();
    if (!text) return;
    // An exact code opens that product, as does the only match; otherwise the list is the answer.
    const exact = items.find((p) => p.sku === text);
    const only = query === text && items.length === 1 ? items[0] : undefined;
    const pick = exact ?? only;
    if (pick) open(pick.sku);
    else setQuery(text);
  }
  const showList = !props.sku || input.trim() !== props.sku;
  return (
    <div className="page prices">
      <h1>{t('pricesTitle')}</h1>
      {/* biome-ignore lint/a11y/useSemanticElements: <search> is not yet in React's element types. */}
      <form className="searchbar" onSubmit={submit} role="search">
        <input
          name="q"
          type="search"
          dir="auto"
          placeholder={t('prFind')}
          aria-label={t('prFind')}
          value={input}
          onChange={(e) => setInput(e.target.value)}
        />
        <button type="submit">{t('show')}</button>
      </form>
      {showList ? (
        <Card title={t('prResults')} testId="product-results">
          {results.error ? <LoadError error={results.error} role={props.role} /> : null}
          {results.loading ? <Loading /> : null}
          {results.data && items.length === 0 ? (
            <p className="muted">{query ? t('prNoResults', { q: query }) : t('prNoHistory')}</p>
          ) : null}
          {items.length > 0 ? (
            <table>
              <thead>
                <tr>
                  <th>{t('sku')}</th>
                  <th>{t('prProduct')}</th>
                  <th>{t('prCategory')}</th>
                  <th>{t('prCurrent')}</th>
                </tr>
              </thead>
              <tbody>
                {items.map((p) => (
                  <tr key={p.sku} data-testid={`product-row-${p.sku}`}>
                    <td dir="ltr">
                      <a
                        href={`/admin/prices/${enc(p.sku)}`}
                        onClick={(e) => {
                          e.preventDefault();
                          open(p.sku);
                        }}
                      >
                        {p.sku}
                      </a>
                    </td>
                    <td>{lang === 'en' && p.titleEn ? p.titleEn : p.titleFa}</td>
                    <td>{p.category ?? '—'}</td>
                    <td>
                      {p.currentPrice
                        ? p.currentPrice.inStock
                          ? fmtToman(p.currentPrice.priceRials, lang)
                          : t('prOutOfStock')
                        : '—'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
          {moreError ? <LoadError error={moreError} role={props.role} /> : null}
          {nextCursor ? (
            <button type="button" className="secondary" onClick={() => void loadMore()}>
              {t('prMore')}
            </button>
          ) : null}
        </Card>
      ) : null}
      {props.sku ? <ProductView key={props.sku} sku={props.sku} role={props.role} /> : null}
      {!props.sku ? <p className="muted">{t('prFindHelp')}</p> : null}
      <Card title={t('prRecentAlerts')} testId="price-alerts">
        {alerts.error ? <LoadError error={alerts.error} role={props.role} /> : null}
        {alerts.loading ? <Loading /> : null}
        {alerts.data && alerts.data.items.length === 0 ? <p className="muted">{t('prNoAlerts')}</p> : null}
        {alerts.data && alerts.data.items.length > 0 ? (
          <table>
            <thead>
              <tr>
                <th>{t('sku')}</th>
                <th>{t('reason')}</th>
                <th>{t('prOldPrice')}</th>
                <th>{t('prNewPrice')}</th>
                <th>{t('date')}</th>
              </tr>
            </thead>
            <tbody>
              {alerts.data.items.map((a) => (
                <tr key={a.id}>
                  <td dir="ltr">
                    <a
                      href={`/admin/prices/${enc(a.sku)}`}
                      onClick={(e) => {
                        e.preventDefault();
                        setInput(a.sku);
                        navigate(`/prices/${enc(a.sku)}`);
                      }}
                    >
                      {a.sku}
                    </a>
                  </td>
                  <td>{t(a.reason === 'drop' ? 'prReason_drop' : 'prReason_target')}</td>
                  <td>{a.oldPriceRials === null ? '—' : fmtToman(a.oldPriceRials, lang)}</td>
                  <td>{fmtToman(a.newPriceRials, lang)}</td>
                  <td>{fmtDateTime(a.observedAt, lang)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </Card>
    </div>
  );
}

function ProductView(props: { sku: string; role: Role }) {
  const { t, lang } = useI18n();
  const [range, setRange] = useState<(typeof RANGES)[number]>(RANGES[1]);
  // The range ends now; computed once per range so the request is not repeated on every render.
  const from = useMemo(() => new Date(Date.now() - range.days * 86_400_000).toISOString(), [range]);
  const product = useApi<Product>(`/v1/products/${enc(props.sku)}`);
  const history = useApi<History>(
    product.data
      ? `/v1/products/${enc(props.sku)}/price-history?from=${enc(from)}&resolution=${range.resolution}`
      : null,
  );

  const option = useMemo(() => {
    const h = history.data;
    if (!h || h.series.length === 0) return null;
    const rtl = lang === 'fa';
    const long = h.resolution !== 'day';
    const toman = (r: number) => Math.round(r / 10);
    const labels = h.series.map((b) => axisDate(b.start, lang, long));
    const avg30 = h.stats.windows.find((w) => w.days === 30)?.avgRials ?? null;
    const low = h.stats.allTimeLow?.priceRials ?? null;
    const marks = [
      ...(avg30 === null
        ? []
        : [{ name: t('prAvg30'), yAxis: toman(avg30), lineStyle: { color: '#f59e0b' } }]),
      ...(low === null
        ? []
        : [{ name: t('prAllTimeLow'), yAxis: toman(low), lineStyle: { color: '#16a34a' } }]),
    ];
    const fmt = (v: number) => `${fmtNumber(v, lang)} ${t('toman')}`;
    return {
      legend: { top: 0, [rtl ? 'right' : 'left']: 0, textStyle: { fontFamily: FONT } },
      tooltip: {
        trigger: 'axis',
        textStyle: { fontFamily: FONT },
        formatter: (ps: Array<{ dataIndex: number }>) => {
          const b = h.series[ps[0]?.dataIndex ?? 0]!;
          return [
            fmtDate(b.start, lang),
            `${t('price')}: ${fmt(toman(b.closeRials))}`,
            `${t('prMin')}: ${fmt(toman(b.minRials))}`,
            `${t('prMax')}: ${fmt(toman(b.maxRials))}`,
          ].join('<br/>');
        },
      },
      grid: { left: rtl ? 16 : 80, right: rtl ? 80 : 16, top: 40, bottom: 32 },
      xAxis: { type: 'category', data: labels, inverse: rtl, boundaryGap: false },
      yAxis: {
        type: 'value',
        scale: true,
        position: rtl ? 'right' : 'left',
        axisLabel: { formatter: (v: number) => fmtCompact(v, lang) },
      },
      series: [
        {
          // The band: an invisible base at the lowest price, and the spread to the highest stacked on it.
          name: t('prBand'),
          type: 'line',
          stack: 'band',
          data: h.series.map((b) => toman(b.minRials)),
          lineStyle: { opacity: 0 },
          symbol: 'none',
          silent: true,
          color: '#99f6e4',
        },
        {
          name: t('prBand'),
          type: 'line',
          stack: 'band',
          data: h.series.map((b) => toman(b.maxRials) - toman(b.minRials)),
          lineStyle: { opacity: 0 },
          areaStyle: { color: 'rgba(45, 212, 191, 0.25)' },
          symbol: 'none',
          silent: true,
          color: '#99f6e4',
        },
        {
          name: t('price'),
          type: 'line',
          step: 'end',
          data: h.series.map((b) => toman(b.closeRials)),
          symbol: 'none',
          color: '#0f766e',
          lineStyle: { width: 2 },
          markLine: {
            symbol: 'none',
            label: { formatter: '{b}', fontFamily: FONT, position: rtl ? 'insideStartTop' : 'insideEndTop' },
            data: marks,
          },
        },
      ],
    };
  }, [history.data, lang, t]);

  if (product.error instanceof ApiError && product.error.code === 'not_found')
    return (
      <Card testId="product-not-found">
        <p>{t('prNotFound', { sku: props.sku })}</p>
      </Card>
    );
  if (product.error) return <LoadError error={product.error} role={props.role} />;
  if (!product.data) return <Loading />;
  const p = product.data;
  const h = history.data;
  const title = lang === 'en' && p.titleEn ? p.titleEn : p.titleFa;
  return (
    <>
      <Card testId="product">
        <h2 className="product-title">
          {title} <bdi className="muted">({p.sku})</bdi>
        </h2>
        {p.category ? (
          <p className="muted">
            {t('prCategory')}: {p.category}
          </p>
        ) : null}
        {h ? (
          <div className="kpis">
            <div className="mini-kpi" data-testid="current-price">
              <span className="muted">{t('prCurrent')}</span>
              <strong>{h.stats.current ? fmtToman(h.stats.current.priceRials, lang) : '—'}</strong>
              {h.stats.current ? (
                <span className="muted">
                  {h.stats.current.inStock
                    ? t('prSince', { date: fmtDate(h.stats.current.since, lang) })
                    : t('prOutOfStock')}
                </span>
              ) : null}
            </div>
            <div className="mini-kpi">
              <span className="muted">{t('prChange')}</span>
              <strong className={h.stats.changeRials !== null && h.stats.changeRials < 0 ? 'ok' : ''}>
                {h.stats.changePercent === null ? '—' : fmtPercent(h.stats.changePercent / 100, lang)}
              </strong>
              {h.stats.changeRials !== null ? (
                <span className="muted">{fmtToman(h.stats.changeRials, lang)}</span>
              ) : null}
            </div>
            <div className={`mini-kpi signal signal-${h.signal.action}`} data-testid="signal">
              <span className="muted">{t('signalTitle')}</span>
              <strong>{t(`signal_${h.signal.action}`)}</strong>
              <span>{lang === 'fa' ? h.signal.reasonFa : h.signal.reasonEn}</span>
              {h.signal.vsAverage30Percent !== null ? (
                <span className="muted">
                  {t('prVsAvg', { pct: fmtPercent(h.signal.vsAverage30Percent / 100, lang) })}
                </span>
              ) : null}
            </div>
            <div className="mini-kpi">
              <span className="muted">{t('prAllTimeLow')}</span>
              <strong>{h.stats.allTimeLow ? fmtToman(h.stats.allTimeLow.priceRials, lang) : '—'}</strong>
              {h.stats.allTimeLow ? (
                <span className="muted">{fmtDate(h.stats.allTimeLow.lastAt, lang)}</span>
              ) : null}
            </div>
          </div>
        ) : null}
      </Card>
      <Card title={t('prChartTitle')} testId="price-card">
        <div className="switch">
          <span className="muted">{t('prRange')}:</span>
          {RANGES.map((r) => (
            <button
              key={r.days}
              type="button"
              aria-pressed={range === r}
              className={range === r ? '' : 'secondary'}
              onClick={() => setRange(r)}
            >
              {t(r.key)}
            </button>
          ))}
        </div>
        {history.error ? <LoadError error={history.error} role={props.role} /> : null}
        {!h && !history.error ? <Loading /> : null}
        {h && h.series.length === 0 ? <p className="muted">{t('prNoHistory')}</p> : null}
        {option ? <EChart option={option} height={340} testId="price-chart" /> : null}
        {h ? (
          <table data-testid="price-windows">
            <thead>
              <tr>
                <th />
                <th>{t('prMin')}</th>
                <th>{t('prAvg')}</th>
                <th>{t('prMax')}</th>
              </tr>
            </thead>
            <tbody>
              {h.stats.windows.map((w) => (
                <tr key={w.days}>
                  <th>{t('prWindow', { days: fmtNumber(w.days, lang) })}</th>
                  {[w.minRials, w.avgRials, w.maxRials].map((v, i) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: the three columns are fixed.
                    <td key={i}>{v === null ? '—' : fmtToman(v, lang)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </Card>
    </>
  );
}
