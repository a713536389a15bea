import { useMemo, useState } from 'react';
import { Chart, type Series } from '../chart.js';
import { fmtDateTime, fmtNumber, fmtPercent } from '../format.js';
import { useApi } from '../hooks.js';
import { type MessageKey, useI18n } from '../i18n.js';
import { Card, LoadError, Loading, type Role } from '../ui.js';
import { periodLabel, VocTabs } from './VocCommon.js';

type Kind = 'nps' | 'csat' | 'ces';
type Split = 'touchpoint' | 'department' | 'survey' | 'none';
type By = 'week' | 'month';
interface Survey {
  id: string;
  kind: Kind;
  title: string;
  isActive: boolean;
}
interface Touchpoint {
  id: string;
  surveyId: string;
  trigger: string;
  department: string;
  channel: 'sms' | 'email';
  isActive: boolean;
}
interface Score {
  sent: number;
  answeredOfSent: number;
  responseRate: number | null;
  responses: number;
  score: number | null;
  mean: number | null;
}
interface Results {
  by: By;
  split: Split;
  series: Array<{
    kind: Kind;
    key: string | null;
    total: Score;
    throttled: number;
    periods: Array<Score & { period: string }>;
  }>;
}
interface Comment {
  responseId: string;
  surveyId: string;
  touchpointId: string;
  department: string;
  memberExternalId: string;
  score: number | null;
  comment: string;
  answeredAt: string;
}

const KINDS: Kind[] = ['nps', 'csat', 'ces'];
const COLORS = ['#0f766e', '#f59e0b', '#7c3aed', '#dc2626', '#2563eb', '#65a30d', '#db2777', '#0891b2'];
/** Twelve periods of either size: a quarter of weekly detail, or a year of months. */
const RANGE_DAYS: Record<By, number> = { week: 12 * 7, month: 365 };

export function VocSurveysPage(props: { role: Role }) {
  const { t, lang } = useI18n();
  const [split, setSplit] = useState<Split>('touchpoint');
  const [by, setBy] = useState<By>('month');
  const [lowOnly, setLowOnly] = useState(false);
  // The start of the range is fixed per choice of `by`, so re-renders do not refetch.
  const from = useMemo(() => new Date(Date.now() - RANGE_DAYS[by] * 86_400_000).toISOString(), [by]);
  const results = useApi<Results>(
    `/v1/surveys/results?split=${split}&by=${by}&from=${encodeURIComponent(from)}`,
  );
  const surveys = useApi<{ items: Survey[] }>('/v1/surveys');
  const touchpoints = useApi<{ items: Touchpoint[] }>('/v1/surveys/touchpoints');
  const comments = useApi<{ items: Comment[] }>(
    `/v1/surveys/comments?limit=10${lowOnly ? '&maxScore=6' : ''}`,
  );

  const surveyById = useMemo(
    () => new Map((surveys.data?.items ?? []).map((s) => [s.id, s])),
    [surveys.data],
  );
  const tpById = useMemo(
    () => new Map((touchpoints.data?.items ?? []).map((x) => [x.id, x])),
    [touchpoints.data],
  );
  const deptLabel = (d: string) => t(`vocDept_${d}` as MessageKey);
  const tpLabel = (id: string) => {
    const tp = tpById.get(id);
    if (!tp) return id;
    return `${surveyById.get(tp.surveyId)?.title ?? tp.surveyId} — ${t(`vocTrigger_${tp.trigger}` as MessageKey)} (${deptLabel(tp.department)})`;
  };
  const seriesName = (kind: Kind, key: string | null) => {
    if (key === null) return t(`vocKind_${kind}`);
    if (split === 'touchpoint') return tpLabel(key);
    if (split === 'department') return deptLabel(key);
    return surveyById.get(key)?.title ?? key;
  };

  if (results.error) return <LoadError error={results.error} role={props.role} />;
  return (
    <div className="page">
      <h1>{t('navVoc')}</h1>
      <VocTabs current="surveys" />
      <form className="inline-form" onSubmit={(e) => e.preventDefault()} data-testid="survey-controls">
        <label className="field">
          <span>{t('vocSplit')}</span>
          <select name="split" value={split} onChange={(e) => setSplit(e.target.value as Split)}>
            {(['touchpoint', 'department', 'survey', 'none'] as const).map((s) => (
              <option key={s} value={s}>
                {t(`vocSplit_${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('vocBy')}</span>
          <select name="by" value={by} onChange={(e) => setBy(e.target.value as By)}>
            {(['week', 'month'] as const).map((b) => (
              <option key={b} value={b}>
                {t(`vocBy_${b}`)}
              </option>
            ))}
          </select>
        </label>
      </form>
      {!results.data ? (
        <Loading />
      ) : results.data.series.length === 0 ? (
        <Card>
          <p className="muted">{t('vocNoData')}</p>
        </Card>
      ) : (
        KINDS.map((kind) => {
          const series = results.data!.series.filter((s) => s.kind === kind);
          if (series.length === 0) return null;
          return (
            <KindTrend
              key={`${kind}-${split}-${by}`}
              kind={kind}
              by={by}
              split={split}
              series={series.map((s) => ({ ...s, name: seriesName(kind, s.key) }))}
            />
          );
        })
      )}
      <div className="grid2">
        <Card title={t('vocSurveysList')} testId="surveys-list">
          {surveys.data && touchpoints.data ? (
            <table>
              <thead>
                <tr>
                  <th>{t('vocSurveyTitle')}</th>
                  <th>{t('vocKind')}</th>
                  <th>{t('vocTouchpoints')}</th>
                  <th>{t('status')}</th>
                </tr>
              </thead>
              <tbody>
                {surveys.data.items.map((s) => (
                  <tr key={s.id}>
                    <td>{s.title}</td>
                    <td>{t(`vocKind_${s.kind}`)}</td>
                    <td>
                      {touchpoints
                        .data!.items.filter((x) => x.surveyId === s.id)
                        .map(
                          (x) => `${t(`vocTrigger_${x.trigger}` as MessageKey)} · ${deptLabel(x.department)}`,
                        )
                        .join('، ') || '—'}
                    </td>
                    <td>{s.isActive ? t('active') : t('disabled')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <Loading />
          )}
        </Card>
        <Card title={t('vocComments')} testId="survey-comments">
          <label className="check">
            <input type="checkbox" checked={lowOnly} onChange={(e) => setLowOnly(e.target.checked)} />
            {t('vocLowScoresOnly')}
          </label>
          {comments.data ? (
            comments.data.items.length === 0 ? (
              <p className="muted">{t('noResults')}</p>
            ) : (
              <ul className="comments">
                {comments.data.items.map((c) => (
                  <li key={c.responseId}>
                    <strong>{c.score === null ? '—' : fmtNumber(c.score, lang)}</strong>{' '}
                    <span dir="auto">{c.comment}</span>
                    <div className="muted small">
                      {surveyById.get(c.surveyId)?.title ?? c.surveyId} · {deptLabel(c.department)} ·{' '}
                      <bdi>{c.memberExternalId}</bdi> · {fmtDateTime(c.answeredAt, lang)}
                    </div>
                  </li>
                ))}
              </ul>
            )
          ) : (
            <Loading />
          )}
        </Card>
      </div>
    </div>
  );
}

/** One measure's trend: a line per touchpoint, department or survey, and the same numbers as a table. */
function KindTrend(props: {
  kind: Kind;
  by: By;
  split: Split;
  series: Array<Results['series'][number] & { name: string }>;
}) {
  const { t, lang } = useI18n();
  const periods = useMemo(
    () => [...new Set(props.series.flatMap((s) => s.periods.map((p) => p.period)))].sort(),
    [props.series],
  );
  const labels = useMemo(() => periods.map((p) => periodLabel(p, props.by, lang)), [periods, props.by, lang]);
  const chartSeries: Series[] = useMemo(
    () =>
      props.series.map((s, i) => {
        const at = new Map(s.periods.map((p) => [p.period, p.score]));
        return {
          name: s.name,
          type: 'line' as const,
          // A period without scored answers is a gap in the line, not a zero.
          data: periods.map((p) => at.get(p) ?? Number.NaN),
          color: COLORS[i % COLORS.length]!,
        };
      }),
    [props.series, periods],
  );
  const fmt = (n: number | null) => (n === null || Number.isNaN(n) ? '—' : fmtNumber(n, lang, 1));
  return (
    <Card
      title={t('vocScoreTrend', { kind: t(`vocKind_${props.kind}`), split: t(`vocSplit_${props.split}`) })}
      testId={`survey-trend-${props.kind}`}
    >
      <p className="muted small">{t(`vocKindHelp_${props.kind}`)}</p>
      <Chart
        labels={labels}
        series={chartSeries}
        height={300}
        testId={`chart-${props.kind}`}
        format={(n) => fmt(n)}
      />
      <details open>
        <summary>{t('vocScoreTable')}</summary>
        <div className="scroll-x">
          <table data-testid={`survey-table-${props.kind}`}>
            <thead>
              <tr>
                <th>{t('vocPeriod')}</th>
                {props.series.map((s) => (
                  <th key={s.key ?? 'all'}>{s.name}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {periods.map((p, i) => (
                <tr key={p}>
                  <td>{labels[i]}</td>
                  {props.series.map((s) => {
                    const cell = s.periods.find((x) => x.period === p);
                    return (
                      <td key={s.key ?? 'all'}>
                        {cell ? `${fmt(cell.score)} (${fmtNumber(cell.responses, lang)})` : '—'}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <h3>{t('vocTotalsTitle')}</h3>
        <table>
          <thead>
            <tr>
              <th />
              <th>{t('vocScore')}</th>
              <th>{t('vocMean')}</th>
              <th>{t('vocResponses')}</th>
              <th>{t('vocSent')}</th>
              <th>{t('vocResponseRate')}</th>
              <th>{t('vocThrottled')}</th>
            </tr>
          </thead>
          <tbody>
            {props.series.map((s) => (
              <tr key={s.key ?? 'all'}>
                <td>{s.name}</td>
                <td data-testid="survey-total-score">{fmt(s.total.score)}</td>
                <td>{fmt(s.total.mean)}</td>
                <td>{fmtNumber(s.total.responses, lang)}</td>
                <td>{fmtNumber(s.total.sent, lang)}</td>
                <td>{s.total.responseRate === null ? '—' : fmtPercent(s.total.responseRate / 100, lang)}</td>
                <td>{fmtNumber(s.throttled, lang)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </Card>
  );
}
