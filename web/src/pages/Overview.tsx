import { useMemo } from 'react';
import type { Features } from '../App.js';
import { Chart } from '../chart.js';
import { fmtMonth, fmtNumber, fmtPercent, fmtToman } from '../format.js';
import { useApi } from '../hooks.js';
import { useI18n } from '../i18n.js';
import { Card, LoadError, Loading, NotAvailable, type Role } from '../ui.js';

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
        {f ? <NotAvailable title={t('npsTrend')} built={f.surveys} /> : null}
        {f ? <NotAvailable title={t('complaintsSla')} built={f.complaints} /> : null}
        {f ? <NotAvailable title={t('campaignResults')} built={f.campaigns} /> : null}
      </div>
    </div>
  );
}
