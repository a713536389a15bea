import { useMemo } from 'react';
import { Chart } from '../chart.js';
import { fmtDate, fmtNumber, fmtPercent, fmtToman } from '../format.js';
import { useApi } from '../hooks.js';
import { useI18n } from '../i18n.js';
import { Card, Loading, type Role } from '../ui.js';
import { fmtCompact, type InsightsRun, ReportError } from './Analytics.js';

interface ClvDistribution {
  buyers: number;
  withClv: number;
  totalRials: number | null;
  meanRials: number | null;
  medianRials: number | null;
  p90Rials: number | null;
  p99Rials: number | null;
  maxRials: number | null;
  binWidthRials: number | null;
  bins: Array<{ fromRials: number; toRials: number | null; members: number; clvRials: number }>;
}

type ModelCheck =
  | {
      status: 'checked';
      holdoutDays: number;
      calibrationEndDay: string;
      customers: number;
      repeatBuyers: number;
      params: Record<string, number>;
      actual: number;
      predicted: number;
      byFrequency: Array<{ group: string; customers: number; actual: number; predicted: number }>;
    }
  | { status: 'skipped'; holdoutDays: number; calibrationEndDay: string; reason: string };

/** A relative difference with its sign, so an over-prediction reads +12% and an under-prediction −8%. */
function signed(ratio: number, lang: 'fa' | 'en'): string {
  return `${ratio > 0 ? '+' : ''}${fmtPercent(ratio, lang)}`;
}

export function ValueTab(props: { role: Role; run: InsightsRun | null }) {
  const { t, lang } = useI18n();
  const clv = useApi<ClvDistribution>('/v1/insights/reports/clv-distribution?bins=20');
  const check = useApi<{ modelCheck: ModelCheck | null }>('/v1/insights/reports/model-check');

  const clvChart = useMemo(() => {
    if (!clv.data) return null;
    const toman = (r: number) => fmtCompact(Math.round(r / 10), lang);
    return {
      labels: clv.data.bins.map((b) =>
        b.toRials === null ? `≥ ${toman(b.fromRials)}` : `${toman(b.fromRials)}–${toman(b.toRials)}`,
      ),
      series: [
        {
          name: t('anBuyers'),
          type: 'bar' as const,
          data: clv.data.bins.map((b) => b.members),
          color: '#0f766e',
        },
      ],
    };
  }, [clv.data, lang, t]);

  const mc = check.data?.modelCheck ?? null;
  const checkChart = useMemo(() => {
    if (mc?.status !== 'checked') return null;
    return {
      labels: mc.byFrequency.map((r) =>
        r.group === '7+' ? `${fmtNumber(7, lang)}+` : fmtNumber(Number(r.group), lang),
      ),
      series: [
        {
          name: t('anActual'),
          type: 'bar' as const,
          data: mc.byFrequency.map((r) => r.actual),
          color: '#0f766e',
        },
        {
          name: t('anPredicted'),
          type: 'line' as const,
          data: mc.byFrequency.map((r) => Math.round(r.predicted * 10) / 10),
          color: '#f59e0b',
        },
      ],
    };
  }, [mc, lang, t]);

  const settings = props.run?.settings ?? {};
  return (
    <>
      <Card title={t('anClvDist')} testId="clv-card">
        <p className="muted">
          {t('anClvHelp', {
            months: fmtNumber(settings.horizonMonths ?? 12, lang),
            margin: fmtPercent(settings.margin ?? 0.2, lang),
          })}
        </p>
        {clv.error ? <ReportError error={clv.error} role={props.role} /> : null}
        {!clv.data && !clv.error ? <Loading /> : null}
        {clv.data && clv.data.withClv === 0 ? <p className="muted">{t('anClvNone')}</p> : null}
        {clv.data && clv.data.withClv > 0 && clvChart ? (
          <>
            <div className="kpis">
              {(
                [
                  ['anClvMean', clv.data.meanRials],
                  ['anClvMedian', clv.data.medianRials],
                  ['anClvP90', clv.data.p90Rials],
                  ['anClvTotal', clv.data.totalRials],
                ] as const
              ).map(([k, v]) => (
                <div key={k} className="mini-kpi" data-testid={`clv-${k}`}>
                  <span className="muted">{t(k)}</span>
                  <strong>{v === null ? '—' : fmtToman(v, lang)}</strong>
                </div>
              ))}
            </div>
            <Chart labels={clvChart.labels} series={clvChart.series} height={300} testId="clv-chart" />
          </>
        ) : null}
      </Card>
      <Card title={t('anModelCheck')} testId="model-check">
        {check.error ? <ReportError error={check.error} role={props.role} /> : null}
        {!check.data && !check.error ? <Loading /> : null}
        {check.data && mc === null ? <p className="muted">{t('anModelCheckMissing')}</p> : null}
        {mc?.status === 'skipped' ? (
          <p className="muted" dir="auto">
            {t('anModelSkipped', { reason: mc.reason })}
          </p>
        ) : null}
        {mc?.status === 'checked' && checkChart ? (
          <>
            <p className="muted">
              {t('anModelCheckHelp', {
                date: fmtDate(`${mc.calibrationEndDay}T12:00:00Z`, lang),
                days: fmtNumber(mc.holdoutDays, lang),
              })}
            </p>
            <p data-testid="model-total">
              {t('anModelTotal', {
                actual: fmtNumber(mc.actual, lang),
                predicted: fmtNumber(mc.predicted, lang, 1),
                diff: signed(mc.actual === 0 ? 0 : (mc.predicted - mc.actual) / mc.actual, lang),
              })}
            </p>
            <div className="grid2">
              <Chart labels={checkChart.labels} series={checkChart.series} testId="model-check-chart" />
              <table>
                <thead>
                  <tr>
                    <th>{t('anRepeatPurchases')}</th>
                    <th>{t('anCustomers')}</th>
                    <th>{t('anActual')}</th>
                    <th>{t('anPredicted')}</th>
                  </tr>
                </thead>
                <tbody>
                  {mc.byFrequency.map((r, i) => (
                    <tr key={r.group}>
                      <td>{checkChart.labels[i]}</td>
                      <td>{fmtNumber(r.customers, lang)}</td>
                      <td>{fmtNumber(r.actual, lang)}</td>
                      <td>{fmtNumber(r.predicted, lang, 1)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        ) : null}
        {props.run?.purchaseModel ? (
          <details>
            <summary>{t('anModelParams')}</summary>
            <p dir="ltr">
              <code>
                {Object.entries(props.run.purchaseModel.params)
                  .map(([k, v]) => `${k} = ${v.toPrecision(4)}`)
                  .join(' · ')}
              </code>
            </p>
          </details>
        ) : null}
      </Card>
    </>
  );
}
