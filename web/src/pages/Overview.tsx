import { useMemo } from 'react';
import type { Features } from '../App.js';
import { Chart } from '../chart.js';
import { fmtMonth, fmtNumber, fmtPercent, fmtToman } from '../format.js';
import { useApi } from '../hooks.js';
import { useI18n } from '../i18n.js';
import { Card, LoadError, Loading, NotAvailable, type Role } from '../ui.js';
import { periodLabel } from './VocCommon.js';

interface Overview {
  activeDays: number;
  members: number;
  activeMembers: number;
  buyers: number;
  repeatBuyers: number;
  repeatPurchaseRate: number;
  pointsAvailable: number;
  pointsPending: number;
  pointsValueRials: number;
  months: Array<{
    start: string;
    orders: number;
    buyers: number;
    newBuyers: number;
    returningBuyers: number;
    revenueRials: number;
    pointsEarned: number;
    pointsRedeemed: number;
    pointsExpired: number;
  }>;
}

export function OverviewPage(props: { role: Role; features: Features | null }) {
  const { t, lang } = useI18n();
  const { data, error } = useApi<Overview>('/v1/reports/overview');
  const f = props.features;
  const labels = useMemo(() => (data ? data.months.map((m) => fmtMonth(m.start, lang)) : []), [data, lang]);
  const buyerSeries = useMemo(
    () =>
      data
        ? [
            {
              name: t('newBuyers'),
              type: 'bar' as const,
              stack: 'b',
              data: data.months.map((m) => m.newBuyers),
              color: '#0f766e',
            },
            {
              name: t('returningBuyers'),
              type: 'bar' as const,
              stack: 'b',
              data: data.months.map((m) => m.returningBuyers),
              color: '#f59e0b',
            },
          ]
        : [],
    [data, t],
  );
  const repeatSeries = useMemo(
    () =>
      data
        ? [
            {
              name: t('returningBuyers'),
              type: 'line' as const,
              data: data.months.map((m) =>
                m.buyers ? Math.round((m.returningBuyers / m.buyers) * 1000) / 10 : 0,
              ),
              color: '#7c3aed',
            },
          ]
        : [],
    [data, t],
  );
  const pointSeries = useMemo(
    () =>
      data
        ? [
            {
              name: t('pointsEarned'),
              type: 'bar' as const,
              data: data.months.map((m) => m.pointsEarned),
              color: '#0f766e',
            },
            {
              name: t('pointsRedeemed'),
              type: 'bar' as const,
              data: data.months.map((m) => m.pointsRedeemed),
              color: '#2563eb',
            },
            {
              name: t('pointsExpired'),
              type: 'bar' as const,
              data: data.months.map((m) => m.pointsExpired),
              color: '#dc2626',
            },
          ]
        : [],
    [data, t],
  );
  const revenueSeries = useMemo(
    () =>
      data
        ? [
            {
              name: t('revenue'),
              type: 'bar' as const,
              data: data.months.map((m) => Math.round(m.revenueRials / 10)),
              color: '#0369a1',
            },
          ]
        : [],
    [data, t],
  );
  if (error) return <LoadError error={error} role={props.role} />;
  if (!data) return <Loading />;
  return (
    <div className="page">
      <h1>{t('navOverview')}</h1>
      <div className="kpis">
        <Card title={t('members')} testId="kpi-members">
          <p className="kpi">{fmtNumber(data.members, lang)}</p>
        </Card>
        <Card title={t('activeMembers')} testId="kpi-active">
          <p className="kpi">{fmtNumber(data.activeMembers, lang)}</p>
          <p className="muted">{t('activeHelp', { days: fmtNumber(data.activeDays, lang) })}</p>
        </Card>
        <Card title={t('repeatRate')} testId="kpi-repeat">
          <p className="kpi">{fmtPercent(data.repeatPurchaseRate, lang)}</p>
          <p className="muted">
            {t('repeatHelp', {
              repeat: fmtNumber(data.repeatBuyers, lang),
              buyers: fmtNumber(data.buyers, lang),
            })}
          </p>
        </Card>
        <Card title={t('pointsOutstanding')} testId="kpi-points">
          <p className="kpi">{fmtNumber(data.pointsAvailable, lang)}</p>
          <p className="muted">{t('pointsValue', { value: fmtToman(data.pointsValueRials, lang) })}</p>
          <p className="muted">{t('pointsPending', { points: fmtNumber(data.pointsPending, lang) })}</p>
        </Card>
      </div>
      <div className="grid2">
        <Card title={t('chartBuyers')}>
          <Chart labels={labels} series={buyerSeries} testId="chart-buyers" />
        </Card>
        <Card title={t('chartRepeat')}>
          <Chart labels={labels} series={repeatSeries} format={(n) => `${fmtNumber(n, lang, 1)}٪`} />
        </Card>
        <Card title={t('chartPoints')}>
          <Chart labels={labels} series={pointSeries} />
        </Card>
        <Card title={t('chartRevenue')}>
          <Chart
            labels={labels}
            series={revenueSeries}
            format={(n) => `${fmtNumber(n, lang)} ${t('toman')}`}
          />
        </Card>
      </div>
      <div className="grid3">
        {f?.surveys ? (
          <SurveyTrend role={props.role} />
        ) : f ? (
          <NotAvailable title={t('npsTrend')} built={false} />
        ) : null}
        {f?.complaints ? (
          <ComplaintsBySla role={props.role} />
        ) : f ? (
          <NotAvailable title={t('complaintsSla')} built={false} />
        ) : null}
        {f?.campaigns ? (
          <CampaignResults role={props.role} />
        ) : f ? (
          <NotAvailable title={t('campaignResults')} built={false} />
        ) : null}
      </div>
    </div>
  );
}

interface SurveyScore {
  responses: number;
  score: number | null;
}
interface SurveyResults {
  series: Array<{
    kind: 'nps' | 'csat' | 'ces';
    total: SurveyScore;
    periods: Array<SurveyScore & { period: string }>;
  }>;
}

/** NPS and CSAT by Jalali month over the last half year, with the half year's figures under the chart. */
function SurveyTrend(props: { role: Role }) {
  const { t, lang } = useI18n();
  const { data, error } = useApi<SurveyResults>('/v1/surveys/results?split=none&by=month');
  const nps = data?.series.find((x) => x.kind === 'nps');
  const csat = data?.series.find((x) => x.kind === 'csat');
  const periods = useMemo(
    () => [...new Set([...(nps?.periods ?? []), ...(csat?.periods ?? [])].map((p) => p.period))].sort(),
    [nps, csat],
  );
  const labels = useMemo(() => periods.map((p) => periodLabel(p, 'month', lang)), [periods, lang]);
  const series = useMemo(() => {
    const at = (x: typeof nps) => periods.map((p) => x?.periods.find((q) => q.period === p)?.score ?? null);
    return [
      { name: 'NPS', type: 'line' as const, data: at(nps) as number[], color: '#0f766e' },
      { name: 'CSAT ٪', type: 'line' as const, data: at(csat) as number[], color: '#f59e0b' },
    ];
  }, [nps, csat, periods]);
  const fig = (x: SurveyScore | undefined, unit = '') =>
    x?.score === null || x === undefined ? '—' : `${fmtNumber(x.score, lang, 1)}${unit}`;
  return (
    <Card title={t('npsTrend')} testId="overview-surveys">
      {error ? (
        <LoadError error={error} role={props.role} />
      ) : !data ? (
        <Loading />
      ) : (
        <>
          <Chart labels={labels} series={series} height={200} format={(n) => fmtNumber(n, lang, 1)} />
          <p className="muted" data-testid="overview-nps">
            NPS {fig(nps?.total)} ({fmtNumber(nps?.total.responses ?? 0, lang)}) · CSAT{' '}
            {fig(csat?.total, '٪')} ({fmtNumber(csat?.total.responses ?? 0, lang)})
          </p>
        </>
      )}
    </Card>
  );
}

interface QueueCount {
  complaints: number;
  warning: number;
  breached: number;
}

/** Open complaints split by where they stand against their SLA, as the SLA job last flagged them. */
function ComplaintsBySla(props: { role: Role }) {
  const { t, lang } = useI18n();
  const { data, error } = useApi<{ open: QueueCount }>('/v1/complaints/reports/queue');
  const rows = data
    ? ([
        ['ok', data.open.complaints - data.open.warning - data.open.breached, '#0f766e'],
        ['warning', data.open.warning, '#f59e0b'],
        ['breached', data.open.breached, '#b91c1c'],
      ] as const)
    : [];
  return (
    <Card title={t('complaintsSla')} testId="overview-complaints">
      {error ? (
        <LoadError error={error} role={props.role} />
      ) : !data ? (
        <Loading />
      ) : (
        <>
          <Chart
            labels={rows.map(([k]) => t(`vocSla_${k}`))}
            series={[
              { name: t('complaintsSla'), type: 'bar', data: rows.map(([, n]) => n), color: '#0f766e' },
            ]}
            height={200}
            integer
          />
          <p className="muted">
            {rows.map(([k, n]) => `${t(`vocSla_${k}`)}: ${fmtNumber(n, lang)}`).join(' · ')}
          </p>
        </>
      )}
    </Card>
  );
}

interface CampaignRow {
  id: string;
  name: string;
  status: 'draft' | 'active' | 'paused' | 'ended';
  grantsCount: number;
  spentPoints: number;
  spentRials: number;
  budgetPoints: number | null;
  budgetRials: number | null;
  target: { treated: number; control: number };
}

/** The campaigns running or ended most recently: reach and spend against budget, each linked to its report. */
function CampaignResults(props: { role: Role }) {
  const { t, lang } = useI18n();
  const { data, error } = useApi<{ items: CampaignRow[] }>('/v1/campaigns');
  const shown = (data?.items ?? []).filter((c) => c.status !== 'draft').slice(0, 5);
  return (
    <Card title={t('campaignResults')} testId="overview-campaigns">
      {error ? (
        <LoadError error={error} role={props.role} />
      ) : !data ? (
        <Loading />
      ) : shown.length === 0 ? (
        <p className="muted">{t('noCampaignsYet')}</p>
      ) : (
        <table>
          <tbody>
            {shown.map((c) => (
              <tr key={c.id}>
                <td>
                  <a href={`/admin/programme/campaigns/${encodeURIComponent(c.id)}`}>{c.name}</a>
                  <div className="muted small">{t(`pgStatus_${c.status}`)}</div>
                </td>
                <td>
                  {t('pgTreatedControl', {
                    treated: fmtNumber(c.target.treated, lang),
                    control: fmtNumber(c.target.control, lang),
                  })}
                </td>
                <td>
                  {c.spentRials > 0 || c.budgetRials !== null
                    ? fmtToman(c.spentRials, lang)
                    : `${fmtNumber(c.spentPoints, lang)} ${t('points')}`}
                  {c.budgetRials !== null ? ` / ${fmtToman(c.budgetRials, lang)}` : ''}
                  {c.budgetPoints !== null ? ` / ${fmtNumber(c.budgetPoints, lang)}` : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}
