import { useMemo } from 'react';
import { fmtNumber, fmtPercent, fmtToman } from '../format.js';
import { useApi } from '../hooks.js';
import { useI18n } from '../i18n.js';
import { Card, Loading, type Role } from '../ui.js';
import { ReportError } from './Analytics.js';
import { EChart, hbarOption } from './AnalyticsChart.js';

interface ProvinceReport {
  items: Array<{
    province: string | null;
    buyers: number;
    repeatBuyers: number;
    repeatRate: number;
    revenueRials: number;
    revenueShare: number;
    clvRials: number | null;
    churnRisk: number;
  }>;
}
interface CategoryReport {
  items: Array<{
    category: string | null;
    orders: number;
    buyers: number;
    units: number;
    revenueRials: number;
    revenueShare: number;
  }>;
}

/** Bars for the first this many rows; the table below has them all. */
const CHART_ROWS = 12;

export function BreakdownsTab(props: { role: Role }) {
  const { t, lang } = useI18n();
  const prov = useApi<ProvinceReport>('/v1/insights/reports/provinces');
  const cat = useApi<CategoryReport>('/v1/insights/reports/categories');
  const provOption = useMemo(
    () =>
      prov.data
        ? hbarOption({
            labels: prov.data.items.slice(0, CHART_ROWS).map((p) => p.province ?? t('anNoProvince')),
            series: [
              {
                name: t('anRevenueShare'),
                data: prov.data.items.slice(0, CHART_ROWS).map((p) => Math.round(p.revenueShare * 1000) / 10),
                colour: '#0f766e',
              },
              {
                name: t('repeatRate'),
                data: prov.data.items.slice(0, CHART_ROWS).map((p) => Math.round(p.repeatRate * 1000) / 10),
                colour: '#f59e0b',
              },
            ],
            rtl: lang === 'fa',
            format: (n) => fmtPercent(n / 100, lang),
          })
        : null,
    [prov.data, t, lang],
  );
  const catOption = useMemo(
    () =>
      cat.data
        ? hbarOption({
            labels: cat.data.items.slice(0, CHART_ROWS).map((c) => c.category ?? t('anNoCategory')),
            series: [
              {
                name: t('anRevenueShare'),
                data: cat.data.items.slice(0, CHART_ROWS).map((c) => Math.round(c.revenueShare * 1000) / 10),
                colour: '#0369a1',
              },
            ],
            rtl: lang === 'fa',
            format: (n) => fmtPercent(n / 100, lang),
          })
        : null,
    [cat.data, t, lang],
  );
  return (
    <div className="grid2">
      <Card title={t('anProvinces')} testId="provinces">
        {prov.error ? <ReportError error={prov.error} role={props.role} /> : null}
        {!prov.data && !prov.error ? <Loading /> : null}
        {prov.data && prov.data.items.length === 0 ? <p className="muted">{t('anEmpty')}</p> : null}
        {provOption && prov.data && prov.data.items.length > 0 ? (
          <>
            <EChart option={provOption} height={360} testId="provinces-chart" />
            <div className="scroll-x">
              <table>
                <thead>
                  <tr>
                    <th>{t('province')}</th>
                    <th>{t('anBuyers')}</th>
                    <th>{t('repeatRate')}</th>
                    <th>{t('anRevenue')}</th>
                    <th>{t('anRevenueShare')}</th>
                    <th>{t('anChurnRisk')}</th>
                  </tr>
                </thead>
                <tbody>
                  {prov.data.items.map((p) => (
                    <tr key={p.province ?? ''}>
                      <td>{p.province ?? t('anNoProvince')}</td>
                      <td>{fmtNumber(p.buyers, lang)}</td>
                      <td>{fmtPercent(p.repeatRate, lang)}</td>
                      <td>{fmtToman(p.revenueRials, lang)}</td>
                      <td>{fmtPercent(p.revenueShare, lang)}</td>
                      <td>{fmtNumber(p.churnRisk, lang)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        ) : null}
      </Card>
      <Card title={t('anCategories')} testId="categories">
        {cat.error ? <ReportError error={cat.error} role={props.role} /> : null}
        {!cat.data && !cat.error ? <Loading /> : null}
        {cat.data && cat.data.items.length === 0 ? <p className="muted">{t('anEmpty')}</p> : null}
        {catOption && cat.data && cat.data.items.length > 0 ? (
          <>
            <EChart option={catOption} height={360} testId="categories-chart" />
            <div className="scroll-x">
              <table>
                <thead>
                  <tr>
                    <th>{t('prCategory')}</th>
                    <th>{t('orders')}</th>
                    <th>{t('anBuyers')}</th>
                    <th>{t('anUnits')}</th>
                    <th>{t('anRevenue')}</th>
                    <th>{t('anRevenueShare')}</th>
                  </tr>
                </thead>
                <tbody>
                  {cat.data.items.map((c) => (
                    <tr key={c.category ?? ''}>
                      <td>{c.category ?? t('anNoCategory')}</td>
                      <td>{fmtNumber(c.orders, lang)}</td>
                      <td>{fmtNumber(c.buyers, lang)}</td>
                      <td>{fmtNumber(c.units, lang)}</td>
                      <td>{fmtToman(c.revenueRials, lang)}</td>
                      <td>{fmtPercent(c.revenueShare, lang)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        ) : null}
      </Card>
    </div>
  );
}
