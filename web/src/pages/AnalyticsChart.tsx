import { BarChart, HeatmapChart, LineChart } from 'echarts/charts';
import {
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TooltipComponent,
  VisualMapComponent,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

echarts.use([
  BarChart,
  HeatmapChart,
  LineChart,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TooltipComponent,
  VisualMapComponent,
  CanvasRenderer,
]);

export const FONT = 'Vazirmatn, sans-serif';

/**
 * An ECharts chart from a full option, for the charts web/src/chart.tsx does not draw (heatmaps, bands,
 * mark lines). The caller builds the option already mirrored for right-to-left reading; this sets the
 * font and keeps the chart sized with the window.
 */
export function EChart(props: { option: echarts.EChartsCoreOption; height?: number; testId?: string }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return;
    const chart = echarts.init(el.current, undefined, { renderer: 'canvas' });
    chart.setOption({ textStyle: { fontFamily: FONT }, animation: false, ...props.option });
    const onResize = () => chart.resize();
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      chart.dispose();
    };
  }, [props.option]);
  return (
    <div ref={el} className="chart" style={{ height: props.height ?? 300 }} data-testid={props.testId} />
  );
}

/** A 5-step scale from pale to the brand colour, for heatmaps. */
export const HEAT_COLOURS = ['#f0fdfa', '#99f6e4', '#2dd4bf', '#0f766e', '#134e4a'];

/**
 * Horizontal bars for long category names (segments, provinces, categories): names on the reading side,
 * bars growing in the reading direction, the first item on top.
 */
export function hbarOption(opts: {
  labels: string[];
  series: Array<{ name: string; data: number[]; colour: string }>;
  rtl: boolean;
  format: (n: number) => string;
}): echarts.EChartsCoreOption {
  return {
    legend: { top: 0, [opts.rtl ? 'right' : 'left']: 0, textStyle: { fontFamily: FONT } },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      valueFormatter: (v: unknown) => (typeof v === 'number' ? opts.format(v) : String(v)),
      textStyle: { fontFamily: FONT },
    },
    grid: { left: 16, right: 16, top: 32, bottom: 8, containLabel: true },
    xAxis: {
      type: 'value',
      inverse: opts.rtl,
      axisLabel: { formatter: (v: number) => opts.format(v), fontFamily: FONT },
    },
    yAxis: {
      type: 'category',
      data: opts.labels,
      inverse: true,
      position: opts.rtl ? 'right' : 'left',
      axisLabel: { fontFamily: FONT },
    },
    series: opts.series.map((s) => ({
      name: s.name,
      type: 'bar',
      data: s.data,
      itemStyle: { color: s.colour },
    })),
  };
}
