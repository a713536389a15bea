import { type ReactNode, useMemo, useState } from 'react';
import { ApiError, api } from '../api.js';
import { fmtDate, fmtNumber, fmtPercent, fmtToman } from '../format.js';
import { useApi } from '../hooks.js';
import { type Lang, type MessageKey, type T, useI18n } from '../i18n.js';
import { navigate } from '../router.js';
import { Card, LoadError, Loading, type Role } from '../ui.js';
import { BreakdownsTab } from './AnalyticsBreakdowns.js';
import { EChart, FONT, HEAT_COLOURS, hbarOption } from './AnalyticsChart.js';
import { CohortsTab } from './AnalyticsCohorts.js';
import { LapsedTab } from './AnalyticsLapsed.js';
import { ValueTab } from './AnalyticsValue.js';

export interface InsightsRun {
  id: string;
  status: 'running' | 'succeeded' | 'failed';
  asOf: string;
  asOfDay: string;
  settings: Record<string, number>;
  orders: number | null;
  buyers: number | null;
  repeatBuyers: number | null;
  purchaseModel: { params: Record<string, number>; logLikelihood: number } | null;
  warnings: string[];
  isPurged: boolean;
  durationMs: number | null;
}

/** The 11 RFM segments in the API's order, with their label keys and chart colours. */
export const SEGMENTS: ReadonlyArray<{ name: string; key: MessageKey; colour: string }> = [
  { name: 'Champions', key: 'segChampions', colour: '#0f766e' },
  { name: 'Loyal', key: 'segLoyal', colour: '#14b8a6' },
  { name: 'Potential Loyalists', key: 'segPotentialLoyalists', colour: '#22c55e' },
  { name: 'New Customers', key: 'segNewCustomers', colour: '#84cc16' },
  { name: 'Promising', key: 'segPromising', colour: '#a3e635' },
  { name: 'Need Attention', key: 'segNeedAttention', colour: '#facc15' },
  { name: 'About to Sleep', key: 'segAboutToSleep', colour: '#f59e0b' },
  { name: 'At Risk', key: 'segAtRisk', colour: '#f97316' },
  { name: 'Cannot Lose Them', key: 'segCannotLoseThem', colour: '#dc2626' },
  { name: 'Hibernating', key: 'segHibernating', colour: '#a8a29e' },
  { name: 'Lost', key: 'segLost', colour: '#57534e' },
];

export function segmentLabel(t: T, name: string): string {
  const s = SEGMENTS.find((x) => x.name === name);
  return s ? t(s.key) : name;
}

/** Large amounts in a few characters (`۱٫۲ میلیون`, `1.2M`), for axes and cells. */
export function fmtCompact(n: number, lang: Lang): string {
  return new Intl.NumberFormat(lang === 'fa' ? 'fa-IR' : 'en-US', {
    notation: 'compact',
    maximumFractionDigits: 1,
  }).format(n);
}

/** A report's load error: before any run the API says insights_not_ready, which is a state, not a fault. */
export function ReportError(props: { error: unknown; role: Role; notReady?: ReactNode }) {
  const { t } = useI18n();
  if (props.error instanceof ApiError && props.error.code === 'insights_not_ready')
    return <p className="muted">{props.notReady ?? t('anNoRun')}</p>;
  return <LoadError error={props.error} role={props.role} />;
}

const TABS: ReadonlyArray<{ id: string; label: MessageKey }> = [
  { id: 'segments', label: 'anTabSegments' },
  { id: 'value', label: 'anTabValue' },
  { id: 'cohorts', label: 'anTabCohorts' },
  { id: 'lapsed', label: 'anTabLapsed' },
  { id: 'breakdowns', label: 'anTabBreakdowns' },
];

/** Who may start a run from the page; the server's role table decides in the end. */
const CAN_RUN: ReadonlyArray<Role> = ['owner', 'analyst'];

export function AnalyticsPage(props: { role: Role; path: string }) {
  const { t, lang } = useI18n();
  const tab = TABS.find((x) => props.path === `/analytics/${x.id}`)?.id ?? 'segments';
  const runs = useApi<{ items: InsightsRun[] }>('/v1/insights/runs?limit=20');
  const [busy, setBusy] = useState(false);
  const [runError, setRunError] = useState<unknown>(null);
  const latest = useMemo(() => {
    const done = (runs.data?.items ?? []).filter((r) => r.status === 'succeeded' && !r.isPurged);
    // Reports read the run with the latest as-of instant, not the latest started.
    return done.sort((a, b) => b.asOf.localeCompare(a.asOf))[0] ?? null;
  }, [runs.data]);

  async function runNow() {
    setBusy(true);
    setRunError(null);
    try {
      await api('POST', '/v1/insights/runs', {});
      runs.reload();
    } catch (e) {
      setRunError(e);
    } finally {
      setBusy(false);
    }
  }

  const runButton = CAN_RUN.includes(props.role) ? (
    <button type="button" onClick={runNow} disabled={busy} data-testid="run-insights">
      {busy ? t('anRunning') : t('anRunNow')}
    </button>
  ) : null;

  return (
    <div className="page analytics">
      <h1>{t('navAnalytics')}</h1>
      <div className="run-bar" data-testid="run-bar">
        {runs.error ? <LoadError error={runs.error} role={props.role} /> : null}
        {runs.loading ? <Loading /> : null}
        {latest ? (
          <>
            <strong data-testid="as-of">{t('anAsOf', { date: fmtDate(latest.asOf, lang) })}</strong>
            <span className="muted">
              {t('anRunSummary', {
                buyers: fmtNumber(latest.buyers ?? 0, lang),
                orders: fmtNumber(latest.orders ?? 0, lang),
                seconds: fmtNumber((latest.durationMs ?? 0) / 1000, lang, 1),
              })}
            </span>
          </>
        ) : null}
        {runButton}
        {runError ? <LoadError error={runError} role={props.role} /> : null}
      </div>
      {latest && latest.warnings.length > 0 ? (
        <details className="warnings">
          <summary>{t('anWarnings', { n: fmtNumber(latest.warnings.length, lang) })}</summary>
          <ul dir="ltr">
            {latest.warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </details>
      ) : null}
      {runs.data && !latest ? (
        <Card testId="no-run">
          <p>{t('anNoRun')}</p>
          <p className="muted">{runButton ? t('anNoRunHelp') : t('anNoRunAsk')}</p>
        </Card>
      ) : null}
      <nav className="tabs" aria-label={t('navAnalytics')}>
        {TABS.map((x) => (
          <a
            key={x.id}
            href={`/admin/analytics/${x.id}`}
            className={tab === x.id ? 'tab active' : 'tab'}
            aria-current={tab === x.id ? 'page' : undefined}
            data-testid={`tab-${x.id}`}
            onClick={(e) => {
              e.preventDefault();
              navigate(`/analytics/${x.id}`);
            }}
          >
            {t(x.label)}
          </a>
        ))}
      </nav>
      {/* Keyed by the run: a new run reloads every report of the tab. Drawn once the runs are known, so
          the first load is not thrown away by the key changing from none to the latest run. */}
      {runs.data || runs.error ? (
        <div key={latest?.id ?? 'none'}>
          {tab === 'segments' ? <SegmentsTab role={props.role} /> : null}
          {tab === 'value' ? <ValueTab role={props.role} run={latest} /> : null}
          {tab === 'cohorts' ? <CohortsTab role={props.role} /> : null}
          {tab === 'lapsed' ? <LapsedTab role={props.role} /> : null}
          {tab === 'breakdowns' ? <BreakdownsTab role={props.role} /> : null}
        </div>
      ) : null}
    </div>
  );
}

interface GridCell {
  r: number;
  f: number;
  members: number;
  memberShare: number;
  revenueRials: number;
  meanRevenueRials: number | null;
  meanMonetaryScore: number | null;
  clvRials: number | null;
  churnRisk: number;
}
interface SegmentRow {
  segment: string;
  members: number;
  memberShare: number;
  revenueRials: number;
  revenueShare: number;
  clvRials: number | null;
  churnRisk: number;
}
interface Movements {
  from: { runId: string; asOfDay: string };
  to: { runId: string; asOfDay: string };
  segments: string[];
  matrix: number[][];
  entered: number[];
  left: number[];
  moved: number;
  stayed: number;
}

function SegmentsTab(props: { role: Role }) {
  const { t, lang } = useI18n();
  const grid = useApi<{ buyers: number; cells: GridCell[] }>('/v1/insights/reports/rfm-grid');
  const segs = useApi<{ segments: SegmentRow[] }>('/v1/insights/reports/segments');
  const rate = useApi<{ buyers: number; repeatBuyers: number; repeatRate: number }>(
    '/v1/insights/reports/repeat-rate',
  );
  const top = useApi<{ top: Array<{ percent: number; customers: number; revenueShare: number }> }>(
    '/v1/insights/reports/top-customers',
  );
  const moves = useApi<Movements>('/v1/insights/reports/segment-movements');
  const [colourBy, setColourBy] = useState<'count' | 'monetary'>('count');

  const gridOption = useMemo(() => {
    if (!grid.data) return null;
    const rtl = lang === 'fa';
    const scores = ['1', '2', '3', '4', '5'].map((s) => fmtNumber(Number(s), lang));
    const value = (c: GridCell) =>
      colourBy === 'count' ? c.members : Math.round((c.meanRevenueRials ?? 0) / 10);
    // Spend is heavy-tailed: the scale tops out at the 90th percentile of the filled cells, so one cell of
    // big spenders does not leave every other cell pale.
    const filled = grid.data.cells
      .filter((c) => c.members > 0)
      .map(value)
      .sort((a, b) => a - b);
    const max = Math.max(1, filled[Math.floor(0.9 * (filled.length - 1))] ?? 1);
    const label = (v: number) => (colourBy === 'count' ? fmtNumber(v, lang) : fmtCompact(v, lang));
    return {
      tooltip: {
        textStyle: { fontFamily: FONT },
        formatter: (p: { data: [number, number, number, GridCell] }) => {
          const c = p.data[3];
          const lines = [
            `R ${fmtNumber(c.r, lang)} · F ${fmtNumber(c.f, lang)}`,
            t('anMembersN', { n: fmtNumber(c.members, lang), share: fmtPercent(c.memberShare, lang) }),
          ];
          if (c.meanRevenueRials !== null)
            lines.push(t('anMeanSpend', { v: fmtToman(c.meanRevenueRials, lang) }));
          if (c.meanMonetaryScore !== null)
            lines.push(t('anMeanM', { v: fmtNumber(c.meanMonetaryScore, lang, 2) }));
          return lines.join('<br/>');
        },
      },
      grid: { left: rtl ? 24 : 70, right: rtl ? 70 : 24, top: 16, bottom: 90 },
      xAxis: {
        type: 'category',
        data: scores,
        inverse: rtl,
        name: t('anFrequency'),
        nameLocation: 'middle',
        nameGap: 28,
        splitArea: { show: true },
      },
      yAxis: {
        type: 'category',
        data: scores,
        position: rtl ? 'right' : 'left',
        name: t('anRecency'),
        nameLocation: 'middle',
        nameGap: 40,
        splitArea: { show: true },
      },
      visualMap: {
        // The value is the third item of each datum; the fourth is the cell, for the tooltip.
        dimension: 2,
        min: 0,
        max,
        orient: 'horizontal',
        left: 'center',
        bottom: 0,
        itemHeight: 160,
        calculable: false,
        inRange: { color: HEAT_COLOURS },
        formatter: (v: number) => label(Math.round(v)),
        textStyle: { fontFamily: FONT },
      },
      series: [
        {
          type: 'heatmap',
          data: grid.data.cells.map((c) => [c.f - 1, c.r - 1, value(c), c]),
          // A white halo keeps the figures readable on the darkest cells too.
          label: {
            show: true,
            fontFamily: FONT,
            color: '#111827',
            textBorderColor: '#fff',
            textBorderWidth: 3,
            formatter: (p: { data: [number, number, number, GridCell] }) =>
              p.data[3].members === 0 ? '' : label(p.data[2]),
          },
          itemStyle: { borderColor: '#fff', borderWidth: 2 },
        },
      ],
    };
  }, [grid.data, colourBy, lang, t]);

  const segOption = useMemo(
    () =>
      segs.data
        ? hbarOption({
            labels: segs.data.segments.map((s) => segmentLabel(t, s.segment)),
            series: [
              {
                name: t('anMemberShare'),
                data: segs.data.segments.map((s) => Math.round(s.memberShare * 1000) / 10),
                colour: '#0f766e',
              },
              {
                name: t('anRevenueShare'),
                data: segs.data.segments.map((s) => Math.round(s.revenueShare * 1000) / 10),
                colour: '#f59e0b',
              },
            ],
            rtl: lang === 'fa',
            format: (n) => fmtPercent(n / 100, lang),
          })
        : null,
    [segs.data, t, lang],
  );

  if (grid.error) return <ReportError error={grid.error} role={props.role} />;
  const churn = segs.data?.segments.reduce((s, x) => s + x.churnRisk, 0) ?? 0;
  const top20 = top.data?.top.find((x) => x.percent === 20);
  return (
    <>
      <div className="kpis">
        <Card title={t('anBuyers')} testId="kpi-buyers">
          <p className="kpi">{rate.data ? fmtNumber(rate.data.buyers, lang) : '…'}</p>
        </Card>
        <Card title={t('repeatRate')} testId="kpi-repeat-rate">
          <p className="kpi">{rate.data ? fmtPercent(rate.data.repeatRate, lang) : '…'}</p>
          {rate.data ? (
            <p className="muted">
              {t('repeatHelp', {
                repeat: fmtNumber(rate.data.repeatBuyers, lang),
                buyers: fmtNumber(rate.data.buyers, lang),
              })}
            </p>
          ) : null}
        </Card>
        <Card title={t('anTop20')} testId="kpi-top20">
          <p className="kpi">{top20 ? fmtPercent(top20.revenueShare, lang) : '…'}</p>
          {top20 ? (
            <p className="muted">{t('anTop20Help', { n: fmtNumber(top20.customers, lang) })}</p>
          ) : null}
        </Card>
        <Card title={t('anChurnRisk')} testId="kpi-churn">
          <p className="kpi">{segs.data ? fmtNumber(churn, lang) : '…'}</p>
          <p className="muted">{t('anChurnHelp')}</p>
        </Card>
      </div>
      <div className="grid2">
        <Card title={t('anRfmGrid')} testId="rfm-card">
          <p className="muted">{t('anGridHelp')}</p>
          <div className="switch">
            <span className="muted">{t('anColourBy')}:</span>
            {(['count', 'monetary'] as const).map((k) => (
              <button
                key={k}
                type="button"
                aria-pressed={colourBy === k}
                className={colourBy === k ? '' : 'secondary'}
                onClick={() => setColourBy(k)}
                data-testid={`colour-${k}`}
              >
                {t(k === 'count' ? 'anByCount' : 'anByMonetary')}
              </button>
            ))}
          </div>
          {gridOption ? <EChart option={gridOption} height={380} testId="rfm-grid" /> : <Loading />}
          {grid.data ? (
            <p className="muted" data-testid="rfm-total">
              {t('anGridTotal', { n: fmtNumber(grid.data.buyers, lang) })}
            </p>
          ) : null}
        </Card>
        <Card title={t('anSegments')}>
          {segOption ? (
            <EChart option={segOption} height={420} testId="segments-chart" />
          ) : segs.error ? (
            <ReportError error={segs.error} role={props.role} />
          ) : (
            <Loading />
          )}
        </Card>
      </div>
      {segs.data ? (
        <Card testId="segments-table">
          <table>
            <thead>
              <tr>
                <th>{t('anSegment')}</th>
                <th>{t('anBuyers')}</th>
                <th>{t('anMemberShare')}</th>
                <th>{t('anRevenue')}</th>
                <th>{t('anRevenueShare')}</th>
                <th>{t('anClv')}</th>
                <th>{t('anChurnRisk')}</th>
              </tr>
            </thead>
            <tbody>
              {segs.data.segments.map((s) => (
                <tr key={s.segment} data-segment={s.segment}>
                  <td>
                    <span
                      className="swatch"
                      style={{ background: SEGMENTS.find((x) => x.name === s.segment)?.colour }}
                    />
                    {segmentLabel(t, s.segment)}
                  </td>
                  <td>{fmtNumber(s.members, lang)}</td>
                  <td>{fmtPercent(s.memberShare, lang)}</td>
                  <td>{fmtToman(s.revenueRials, lang)}</td>
                  <td>{fmtPercent(s.revenueShare, lang)}</td>
                  <td>{s.clvRials === null ? '—' : fmtToman(s.clvRials, lang)}</td>
                  <td>{fmtNumber(s.churnRisk, lang)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      ) : null}
      <Card title={t('anMovements')} testId="movements">
        {moves.error ? (
          <ReportError error={moves.error} role={props.role} notReady={t('anMovementsNeedTwo')} />
        ) : moves.data ? (
          <MovementsTable data={moves.data} />
        ) : (
          <Loading />
        )}
      </Card>
    </>
  );
}

function MovementsTable({ data }: { data: Movements }) {
  const { t, lang } = useI18n();
  const max = Math.max(1, ...data.matrix.flat());
  return (
    <>
      <p className="muted">
        {t('anMovementsHelp', {
          from: fmtDate(`${data.from.asOfDay}T12:00:00Z`, lang),
          to: fmtDate(`${data.to.asOfDay}T12:00:00Z`, lang),
          moved: fmtNumber(data.moved, lang),
          stayed: fmtNumber(data.stayed, lang),
        })}
      </p>
      <p className="muted">{t('anMovementsAxes')}</p>
      <div className="scroll-x">
        <table className="matrix">
          <thead>
            <tr>
              <th />
              {data.segments.map((s) => (
                <th key={s}>{segmentLabel(t, s)}</th>
              ))}
              <th>{t('anLeft')}</th>
            </tr>
          </thead>
          <tbody>
            {data.segments.map((from, i) => (
              <tr key={from}>
                <th>{segmentLabel(t, from)}</th>
                {data.matrix[i]!.map((v, j) => (
                  <td
                    key={data.segments[j]}
                    className={i === j ? 'diag' : ''}
                    style={
                      v > 0 && i !== j
                        ? { background: `rgba(249, 115, 22, ${0.12 + (0.6 * v) / max})` }
                        : undefined
                    }
                  >
                    {v > 0 ? fmtNumber(v, lang) : ''}
                  </td>
                ))}
                <td>{data.left[i] ? fmtNumber(data.left[i]!, lang) : ''}</td>
              </tr>
            ))}
            <tr>
              <th>{t('anEntered')}</th>
              {data.entered.map((v, j) => (
                <td key={data.segments[j]}>{v > 0 ? fmtNumber(v, lang) : ''}</td>
              ))}
              <td />
            </tr>
          </tbody>
        </table>
      </div>
    </>
  );
}
