import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';
import { fmtNumber } from './format.js';
import { useI18n } from './i18n.js';

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export interface Series {
  name: string;
  type: 'bar' | 'line';
  data: number[];
  stack?: string;
  color?: string;
}

/**
 * A bar/line chart that reads right to left in Persian: the time axis is inverted so the latest month
 * is on the left end of the reading direction's finish, legends sit on the reading side, and every
 * number is formatted in the reader's digits.
 */
export function Chart(props: {
  labels: string[];
  series: Series[];
  height?: number;
  format?: (n: number) => string;
  testId?: string;
  /** Counts: ticks on whole numbers only (ECharts would label 0.2, 0.4 … for small counts). */
  integer?: boolean;
}) {
  const { lang } = useI18n();
  const el = useRef<HTMLDivElement>(null);
  const fmt = props.format ?? ((n: number) => fmtNumber(n, lang));
  useEffect(() => {
    if (!el.current) return;
    const chart = echarts.init(el.current, undefined, { renderer: 'canvas' });
    const rtl = lang === 'fa';
    chart.setOption({
      textStyle: { fontFamily: 'Vazirmatn, sans-serif' },
      animation: false,
      grid: { left: rtl ? 16 : 64, right: rtl ? 64 : 16, top: 36, bottom: 28 },
      legend: { top: 0, [rtl ? 'right' : 'left']: 0, textStyle: { fontFamily: 'Vazirmatn, sans-serif' } },
      tooltip: {
        trigger: 'axis',
        valueFormatter: (v: unknown) => (typeof v === 'number' ? fmt(v) : String(v)),
        textStyle: { fontFamily: 'Vazirmatn, sans-serif' },
      },
      xAxis: {
        type: 'category',
        data: props.labels,
        inverse: rtl,
        axisLabel: { fontFamily: 'Vazirmatn, sans-serif' },
      },
      yAxis: {
        type: 'value',
        position: rtl ? 'right' : 'left',
        ...(props.integer ? { minInterval: 1 } : {}),
        axisLabel: { formatter: (v: number) => fmt(v), fontFamily: 'Vazirmatn, sans-serif' },
      },
      series: props.series.map((s) => ({
        name: s.name,
        type: s.type,
        data: s.data,
        ...(s.stack ? { stack: s.stack } : {}),
        ...(s.color ? { itemStyle: { color: s.color }, lineStyle: { color: s.color } } : {}),
        smooth: s.type === 'line',
      })),
    });
    const onResize = () => chart.resize();
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      chart.dispose();
    };
  }, [props.labels, props.series, lang, fmt, props.integer]);
  return (
    <div ref={el} className="chart" style={{ height: props.height ?? 260 }} data-testid={props.testId} />
  );
}
