import { useMemo } from 'react';
import { fmtNumber, fmtPercent } from '../format.js';
import { useApi } from '../hooks.js';
import { useI18n } from '../i18n.js';
import { Card, Loading, type Role } from '../ui.js';
import { ReportError } from './Analytics.js';
import { EChart, FONT, HEAT_COLOURS } from './AnalyticsChart.js';

interface CohortReport {
  cohorts: Array<{
    month: string;
    label: string;
    size: number;
    retention: Array<{ k: number; buyers: number; share: number }>;
  }>;
}

export function CohortsTab(props: { role: Role }) {
  const { t, lang } = useI18n();
  const { data, error } = useApi<CohortReport>('/v1/insights/reports/cohorts?months=12');
  const option = useMemo(() => {
    if (!data) return null;
    const rtl = lang === 'fa';
    // Month names come from the strings so that English shows Farvardin … Esfand, not Persian script.
    const names = t('anMonthNames').split(/[,،]/);
    const rows = data.cohorts.map((c) => {
      const [y, m] = c.month.split('-').map(Number) as [number, number];
      return `${names[m - 1]} ${fmtNumber(y, lang).replace(/[,٬]/g, '')} (${fmtNumber(c.size, lang)})`;
    });
    const width = Math.max(1, data.cohorts.length - 1);
    const cells = data.cohorts.flatMap((c, i) =>
      c.retention.map((r) => [r.k - 1, i, Math.round(r.share * 1000) / 10, r.buyers]),
    );
    const max = Math.max(1, ...cells.map((c) => c[2]!));
    return {
      tooltip: {
        textStyle: { fontFamily: FONT },
        formatter: (p: { data: number[] }) => {
          const [k, i, share, buyers] = p.data as [number, number, number, number];
          return `${rows[i]}<br/>${t('anMonthsAfter')}: ${fmtNumber(k + 1, lang)}<br/>${fmtNumber(buyers, lang)} · ${fmtPercent(share / 100, lang)}`;
        },
      },
      grid: { left: rtl ? 16 : 150, right: rtl ? 150 : 16, top: 8, bottom: 80 },
      xAxis: {
        type: 'category',
        data: Array.from({ length: width }, (_, k) => fmtNumber(k + 1, lang)),
        inverse: rtl,
        name: t('anMonthsAfter'),
        nameLocation: 'middle',
        nameGap: 28,
        splitArea: { show: true },
      },
      yAxis: {
        type: 'category',
        data: rows,
        inverse: true,
        position: rtl ? 'right' : 'left',
        splitArea: { show: true },
      },
      visualMap: {
        // Colour by the share (third item), not the buyers (fourth).
        dimension: 2,
        min: 0,
        max,
        orient: 'horizontal',
        left: 'center',
        bottom: 0,
        itemHeight: 160,
        inRange: { color: HEAT_COLOURS },
        formatter: (v: number) => fmtPercent(v / 100, lang),
        textStyle: { fontFamily: FONT },
      },
      series: [
        {
          type: 'heatmap',
          data: cells,
          label: {
            show: true,
            fontFamily: FONT,
            color: '#111827',
            textBorderColor: '#fff',
            textBorderWidth: 3,
            formatter: (p: { data: number[] }) => fmtPercent((p.data[2] ?? 0) / 100, lang),
          },
          itemStyle: { borderColor: '#fff', borderWidth: 2 },
        },
      ],
    };
  }, [data, lang, t]);
  return (
    <Card title={t('anCohorts')} testId="cohorts">
      <p className="muted">{t('anCohortHelp')}</p>
      {error ? <ReportError error={error} role={props.role} /> : null}
      {option ? <EChart option={option} height={520} testId="cohort-chart" /> : error ? null : <Loading />}
    </Card>
  );
}
