import { useMemo, useState } from 'react';
import { ApiError, api, enc } from '../api.js';
import { Chart } from '../chart.js';
import { fmtDate, fmtDateTime, fmtNumber, fmtPercent, fmtToman } from '../format.js';
import { useApi } from '../hooks.js';
import { type MessageKey, useI18n } from '../i18n.js';
import { navigate } from '../router.js';
import { Card, Field, LoadError, Loading, type Role } from '../ui.js';
import { type Campaign, grantText, rfmKey } from './Campaigns.js';
import {
  BudgetBar,
  canWriteProgramme,
  FormError,
  localizeMessage,
  num,
  ProgrammeTabs,
  Stat,
  useSave,
} from './ProgrammeKit.js';
import type { Reward } from './Rewards.js';

interface GroupStats {
  members: number;
  ordersPerMember: number;
  revenuePerMemberRials: number;
  marginPerMemberRials: number;
}

interface Period {
  from: string;
  to: string;
  treated: GroupStats;
  control: GroupStats;
  upliftRevenuePerMemberRials: number | null;
  ci95: { low: number; high: number; degreesOfFreedom: number } | null;
  significant: boolean;
}

interface Report {
  campaignId: string;
  marginPct: number;
  window: Period;
  after: Period;
  cost: { points: number; pointsValueRials: number; rials: number; totalRials: number };
  incrementalRevenueRials: number | null;
  incrementalMarginRials: number | null;
  returnOnCost: number | null;
}

const TREATED = '#0f766e';
const CONTROL = '#9ca3af';

export function CampaignDetailPage(props: { id: string; role: Role }) {
  const { t, lang } = useI18n();
  const campaign = useApi<Campaign>(`/v1/campaigns/${enc(props.id)}`);
  const rewards = useApi<{ items: Reward[] }>('/v1/rewards');
  const [query, setQuery] = useState({ afterDays: '30', marginPct: '20' });
  const [applied, setApplied] = useState({ afterDays: '30', marginPct: '20' });
  const report = useApi<Report>(
    `/v1/campaigns/${enc(props.id)}/report?afterDays=${enc(applied.afterDays)}&marginPct=${enc(applied.marginPct)}`,
  );
  const action = useSave();
  const [ran, setRan] = useState<{ granted: number; control: number; stoppedByBudget: boolean } | null>(null);
  const canEdit = canWriteProgramme(props.role);

  if (campaign.error) return <LoadError error={campaign.error} role={props.role} />;
  if (!campaign.data) return <Loading />;
  const c = campaign.data;
  const act = async (path: string) => {
    setRan(null);
    if (
      await action.run(async () => {
        const r = await api<{ granted: number; control: number; stoppedByBudget: boolean }>(
          'POST',
          `/v1/campaigns/${enc(c.id)}/${path}`,
          {},
        );
        if (path === 'run') setRan(r);
      })
    ) {
      campaign.reload();
      report.reload();
    }
  };
  const seg = Object.entries(c.segment);

  return (
    <div className="page">
      <ProgrammeTabs current="/programme/campaigns" />
      <p>
        <a
          href="/admin/programme/campaigns"
          onClick={(e) => {
            e.preventDefault();
            navigate('/programme/campaigns');
          }}
        >
          {t('back')}
        </a>
      </p>
      <h1 data-testid="campaign-name">
        {c.name}{' '}
        <span className={`pg-status pg-status-${c.status}`} data-testid="campaign-status">
          {t(`pgStatus_${c.status}` as MessageKey)}
        </span>
      </h1>
      {c.description ? <p className="muted">{c.description}</p> : null}
      {canEdit ? (
        <div className="pg-actions" data-testid="campaign-actions">
          {c.status === 'draft' || c.status === 'paused' ? (
            <button type="button" onClick={() => act('activate')}>
              {c.status === 'draft' ? t('pgActivate') : t('pgResume')}
            </button>
          ) : null}
          {c.status === 'active' && c.grant.kind !== 'purchase_prize' ? (
            <button type="button" onClick={() => act('run')}>
              {t('pgRunGrants')}
            </button>
          ) : null}
          {c.status === 'active' ? (
            <button type="button" className="secondary" onClick={() => act('pause')}>
              {t('pgPause')}
            </button>
          ) : null}
          {c.status !== 'ended' ? (
            <button type="button" className="secondary danger" onClick={() => act('end')}>
              {t('pgEnd')}
            </button>
          ) : null}
          <button
            type="button"
            className="secondary"
            onClick={() => navigate(`/programme/campaigns?copy=${enc(c.id)}`)}
          >
            {t('pgCopy')}
          </button>
        </div>
      ) : null}
      <FormError error={action.error} />
      {ran ? (
        <p className="ok">
          {t('pgRunDone', { granted: fmtNumber(ran.granted, lang), control: fmtNumber(ran.control, lang) })}
          {ran.stoppedByBudget ? ` ${t('pgStoppedByBudget')}` : ''}
        </p>
      ) : null}

      <div className="grid2">
        <Card title={t('pgDefinition')}>
          <dl>
            <dt>{t('pgWindow')}</dt>
            <dd>
              {fmtDate(c.startsAt, lang)} – {fmtDate(c.endsAt, lang)}
            </dd>
            <dt>{t('pgGrant')}</dt>
            <dd>{grantText(c.grant, t, lang, rewards.data?.items)}</dd>
            <dt>{t('pgSegment')}</dt>
            <dd>
              {seg.length === 0
                ? t('pgAllMembers')
                : seg.map(([k, v]) => `${t(`pgSeg_${k}` as MessageKey)}: ${segmentValue(k, v)}`).join(' · ')}
            </dd>
            <dt>{t('pgControlShare')}</dt>
            <dd>{fmtPercent(c.controlSharePct / 100, lang)}</dd>
            <dt>{t('pgSeed')}</dt>
            <dd dir="ltr">
              <code>{c.seed}</code>
            </dd>
            <dt>{t('pgCapGrants')}</dt>
            <dd>{c.capPerMemberGrants === null ? t('pgNoLimit') : fmtNumber(c.capPerMemberGrants, lang)}</dd>
            {c.exclusivityKey ? (
              <>
                <dt>{t('pgExclusivityKey')}</dt>
                <dd dir="ltr">{c.exclusivityKey}</dd>
              </>
            ) : null}
            {c.guardrailOverride ? (
              <>
                <dt>{t('pgOverridden')}</dt>
                <dd>
                  {c.guardrailOverride.reason} ({c.guardrailOverride.author ?? '—'})
                </dd>
              </>
            ) : null}
            <dt>{t('created')}</dt>
            <dd>{fmtDateTime(c.createdAt, lang)}</dd>
          </dl>
        </Card>
        <Card title={t('pgSpendVsBudget')} testId="campaign-budget">
          <div className="kpis">
            <Stat label={t('pgTreated')} value={fmtNumber(c.target.treated, lang)} testId="target-treated" />
            <Stat label={t('pgControl')} value={fmtNumber(c.target.control, lang)} testId="target-control" />
            <Stat label={t('pgGrants')} value={fmtNumber(c.grantsCount, lang)} />
          </div>
          <h3>{t('pgBudgetPoints')}</h3>
          <BudgetBar
            spent={c.spentPoints}
            budget={c.budgetPoints}
            format={(n) => t('pgPointsN', { n: fmtNumber(n, lang) })}
          />
          <h3>{t('pgBudget')}</h3>
          <BudgetBar spent={c.spentRials} budget={c.budgetRials} format={(n) => fmtToman(n, lang)} />
        </Card>
      </div>

      <Card title={t('pgReport')} testId="campaign-report">
        <p className="muted">{t('pgReportHelp')}</p>
        <form
          className="inline-form"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            setApplied({
              afterDays: String(num(query.afterDays) ?? 30),
              marginPct: String(num(query.marginPct) ?? 20),
            });
          }}
        >
          <Field
            name="afterDays"
            label={t('pgAfterDaysField')}
            error={fieldOf(report.error, 'afterDays', lang)}
          >
            <input
              name="afterDays"
              dir="ltr"
              value={query.afterDays}
              onChange={(e) => setQuery({ ...query, afterDays: e.target.value })}
            />
          </Field>
          <Field name="marginPct" label={t('pgMarginPct')} error={fieldOf(report.error, 'marginPct', lang)}>
            <input
              name="marginPct"
              dir="ltr"
              value={query.marginPct}
              onChange={(e) => setQuery({ ...query, marginPct: e.target.value })}
            />
          </Field>
          <button type="submit" className="secondary">
            {t('show')}
          </button>
        </form>
        {report.error ? (
          <FormError
            error={report.error instanceof ApiError ? report.error : null}
            fields={['afterDays', 'marginPct']}
          />
        ) : !report.data ? (
          <Loading />
        ) : (
          <ReportView report={report.data} afterDays={Number(applied.afterDays)} />
        )}
      </Card>
    </div>
  );

  function segmentValue(k: string, v: unknown): string {
    if (Array.isArray(v))
      return v.map((x) => (k === 'rfmSegments' ? t(rfmKey(String(x))) : String(x))).join('، ');
    if (typeof v === 'boolean') return v ? t('yes') : t('no');
    if (k.endsWith('Rials')) return fmtToman(Number(v), lang);
    if (k.startsWith('lastOrder')) return fmtDate(String(v), lang);
    if (typeof v === 'number') return fmtNumber(v, lang, 2);
    return String(v);
  }
}

/** The report's query errors (afterDays, marginPct) next to their boxes. */
function fieldOf(error: unknown, field: string, lang: 'fa' | 'en'): string | undefined {
  const m = error instanceof ApiError ? error.fieldError(field) : undefined;
  return m === undefined ? undefined : localizeMessage(m, lang);
}

/** Treated against control: the chart and, beside it, every number it draws and the ones it cannot. */
function ReportView(props: { report: Report; afterDays: number }) {
  const { t, lang } = useI18n();
  const r = props.report;
  const toman = (n: number) => fmtToman(n, lang);
  // Until the campaign ends, the period after it is empty: said so, not drawn as zeros.
  const afterPending = Date.parse(r.after.to) <= Date.parse(r.after.from);
  const labels = useMemo(
    () => [
      t('pgDuringCampaign'),
      ...(afterPending ? [] : [t('pgAfterCampaign', { n: fmtNumber(props.afterDays, lang) })]),
    ],
    [t, lang, props.afterDays, afterPending],
  );
  const series = useMemo(
    () => [
      {
        name: t('pgTreated'),
        type: 'bar' as const,
        data: [r.window.treated.revenuePerMemberRials, r.after.treated.revenuePerMemberRials].slice(
          0,
          labels.length,
        ),
        color: TREATED,
      },
      {
        name: t('pgControl'),
        type: 'bar' as const,
        data: [r.window.control.revenuePerMemberRials, r.after.control.revenuePerMemberRials].slice(
          0,
          labels.length,
        ),
        color: CONTROL,
      },
    ],
    [r, t, labels.length],
  );
  const costLabels = useMemo(() => [t('pgCost'), t('pgIncrementalRevenue'), t('pgIncrementalMargin')], [t]);
  const costSeries = useMemo(
    () => [
      {
        name: t('toman'),
        type: 'bar' as const,
        data: [r.cost.totalRials, r.incrementalRevenueRials ?? 0, r.incrementalMarginRials ?? 0],
        color: '#f59e0b',
      },
    ],
    [r, t],
  );
  const fmt = useMemo(() => (n: number) => fmtToman(n, lang), [lang]);

  const row = (label: MessageKey, f: (g: GroupStats) => string) => (
    <tr>
      <th scope="row">{t(label)}</th>
      <td>{f(r.window.treated)}</td>
      <td>{f(r.window.control)}</td>
      <td>{afterPending ? '—' : f(r.after.treated)}</td>
      <td>{afterPending ? '—' : f(r.after.control)}</td>
    </tr>
  );
  const uplift = (p: Period) =>
    p.upliftRevenuePerMemberRials === null ? (
      <span className="muted">{t('pgTooFewMembers')}</span>
    ) : (
      <>
        <strong className={p.upliftRevenuePerMemberRials >= 0 ? 'ok' : 'error'}>
          {p.upliftRevenuePerMemberRials >= 0 ? '+' : ''}
          {toman(p.upliftRevenuePerMemberRials)}
        </strong>
        {p.ci95 ? (
          <small className="muted">
            {' '}
            {t('pgCi95', { low: toman(p.ci95.low), high: toman(p.ci95.high) })}
          </small>
        ) : null}{' '}
        <span className={`badge ${p.significant ? 'pg-significant' : ''}`}>
          {p.significant ? t('pgSignificant') : t('pgNotSignificant')}
        </span>
      </>
    );

  return (
    <div data-testid="report-body">
      <div className="grid2">
        <div>
          <h3>{t('pgRevenuePerMember')}</h3>
          <Chart labels={labels} series={series} format={fmt} testId="chart-uplift" />
        </div>
        <div>
          <h3>{t('pgCostAndReturn')}</h3>
          <Chart labels={costLabels} series={costSeries} format={fmt} testId="chart-cost" />
        </div>
      </div>
      <table data-testid="report-table">
        <thead>
          <tr>
            <th />
            <th>
              {t('pgTreated')} · {t('pgDuringCampaign')}
            </th>
            <th>
              {t('pgControl')} · {t('pgDuringCampaign')}
            </th>
            <th>
              {t('pgTreated')} · {t('pgAfterCampaign', { n: fmtNumber(props.afterDays, lang) })}
            </th>
            <th>
              {t('pgControl')} · {t('pgAfterCampaign', { n: fmtNumber(props.afterDays, lang) })}
            </th>
          </tr>
        </thead>
        <tbody>
          {row('members', (g) => fmtNumber(g.members, lang))}
          {row('pgOrdersPerMember', (g) => fmtNumber(g.ordersPerMember, lang, 2))}
          {row('pgRevenuePerMember', (g) => toman(g.revenuePerMemberRials))}
          {row('pgMarginPerMember', (g) => toman(g.marginPerMemberRials))}
        </tbody>
      </table>
      <dl className="pg-report-facts">
        <dt>{t('pgUpliftDuring')}</dt>
        <dd data-testid="uplift-window">{uplift(r.window)}</dd>
        <dt>{t('pgUpliftAfter')}</dt>
        <dd data-testid="uplift-after">
          {afterPending ? <span className="muted">{t('pgAfterNotYet')}</span> : uplift(r.after)}
        </dd>
        <dt>{t('pgCost')}</dt>
        <dd data-testid="report-cost">
          {toman(r.cost.totalRials)}{' '}
          <small className="muted">
            {t('pgCostParts', {
              points: fmtNumber(r.cost.points, lang),
              pointsValue: toman(r.cost.pointsValueRials),
              rials: toman(r.cost.rials),
            })}
          </small>
        </dd>
        <dt>{t('pgIncrementalRevenue')}</dt>
        <dd>{r.incrementalRevenueRials === null ? '—' : toman(r.incrementalRevenueRials)}</dd>
        <dt>{t('pgIncrementalMargin')}</dt>
        <dd>
          {r.incrementalMarginRials === null ? '—' : toman(r.incrementalMarginRials)}{' '}
          <small className="muted">{t('pgAtMargin', { pct: fmtNumber(r.marginPct, lang, 1) })}</small>
        </dd>
        <dt>{t('pgReturnOnCost')}</dt>
        <dd data-testid="return-on-cost">
          {r.returnOnCost === null ? t('pgNoCostYet') : fmtPercent(r.returnOnCost, lang)}
        </dd>
      </dl>
    </div>
  );
}
