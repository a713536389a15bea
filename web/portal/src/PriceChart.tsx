import { LineChart } from 'echarts/charts';
import { GridComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';
import { fmtToman } from '../../src/format.js';
import { useI18n } from './i18n.js';

echarts.use([LineChart, GridComponent, TooltipComponent, CanvasRenderer]);

/**
 * A year of weekly prices as one line, sized for a phone. In Persian the time axis runs right to left
 * and the price axis sits on the right, as the dashboard's charts do. The canvas is described by
 * `label` for screen readers; the figures beside it carry the same information as text.
 */
export function PriceChart(props: { labels: string[]; values: number[]; label: string; testId: string }) {
  const { lang } = useI18n();
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return;
    const chart = echarts.init(el.current, undefined, { renderer: 'canvas' });
    const rtl = lang === 'fa';
    const short = (n: number) =>
      new Intl.NumberFormat(lang === 'fa' ? 'fa-IR' : 'en-US', {
        notation: 'compact',
        maximumFractionDigits: 1,
      }).format(Math.round(n / 10));
    chart.setOption({
      textStyle: { fontFamily: 'Vazirmatn, sans-serif' },
      animation: false,
      grid: { left: rtl ? 8 : 48, right: rtl ? 48 : 8, top: 12, bottom: 24 },
      tooltip: {
        trigger: 'axis',
        valueFormatter: (v: unknown) => (typeof v === 'number' ? fmtToman(v, lang) : String(v)),
        textStyle: { fontFamily: 'Vazirmatn, sans-serif' },
      },
      xAxis: { type: 'category', data: props.labels, inverse: rtl, axisLabel: { hideOverlap: true } },
      yAxis: {
        type: 'value',
        scale: true,
        position: rtl ? 'right' : 'left',
        axisLabel: { formatter: short },
      },
      series: [
        {
          type: 'line',
          data: props.values,
          smooth: true,
          showSymbol: false,
          lineStyle: { color: '#0f766e', width: 2 },
          areaStyle: { color: 'rgba(15,118,110,0.08)' },
        },
      ],
    });
    const onResize = () => chart.resize();
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      chart.dispose();
    };
  }, [props.labels, props.values, lang]);
  return <div ref={el} className="chart" role="img" aria-label={props.label} data-testid={props.testId} />;
}
