import { type FormEvent, useMemo, useState } from 'react';
import { ApiError, api, enc } from '../api.js';
import { Chart, type Series } from '../chart.js';
import { fmtDate, fmtDateTime, fmtNumber, fmtPercent } from '../format.js';
import { useApi } from '../hooks.js';
import { useI18n } from '../i18n.js';
import { navigate } from '../router.js';
import { Card, Field, LoadError, Loading, type Role } from '../ui.js';
import { canWorkComplaints, periodLabel, VocTabs } from './VocCommon.js';

interface Named {
  key: string;
  nameFa: string;
  nameEn?: string | null;
}
interface RootCauseReport {
  by: 'week' | 'month';
  rows: Array<{ period: string; rootCause: string; complaints: number }>;
  totals: Array<{ rootCause: string; complaints: number }>;
}
interface Recurrence {
  items: Array<{
    rootCause: string;
    fixedAt: string;
    fixNote: string;
    complaintsBefore: number;
    complaintsAfter: number;
  }>;
}
interface SlaRow {
  key: string | null;
  resolved: number;
  firstResponseMet: number;
  resolutionMet: number;
  firstResponseRate: number | null;
  resolutionRate: number | null;
}
interface Repeat {
  items: Array<{ memberExternalId: string; complaints: number; lastAt: string }>;
}

const COLORS = [
  '#0f766e',
  '#f59e0b',
  '#7c3aed',
  '#dc2626',
  '#2563eb',
  '#65a30d',
  '#db2777',
  '#0891b2',
  '#6b7280',
];

export function VocRootCausesPage(props: { role: Role }) {
  const { t, lang } = useI18n();
  const from = useMemo(() => new Date(Date.now() - 365 * 86_400_000).toISOString(), []);
  const report = useApi<RootCauseReport>(`/v1/complaints/reports/root-causes?by=month&from=${enc(from)}`);
  const recurrence = useApi<Recurrence>('/v1/complaints/reports/recurrence');
  const sla = useApi<{ byCategory: SlaRow[]; byAgent: SlaRow[] }>(
    `/v1/complaints/reports/sla?from=${enc(from)}`,
  );
  const repeat = useApi<Repeat>('/v1/complaints/reports/repeat-complainers?days=90&limit=20');
  const causes = useApi<{ items: Named[] }>('/v1/complaints/root-causes');
  const cats = useApi<{ items: Named[] }>('/v1/complaints/categories');
  const nameOf = useMemo(() => {
    const m = new Map<string, string>();
    for (const x of [...(cats.data?.items ?? []), ...(causes.data?.items ?? [])])
      m.set(x.key, lang === 'en' && x.nameEn ? x.nameEn : x.nameFa);
    return (k: string | null) => (k ? (m.get(k) ?? k) : '—');
  }, [cats.data, causes.data, lang]);

  const periods = useMemo(
    () => [...new Set((report.data?.rows ?? []).map((r) => r.period))].sort(),
    [report.data],
  );
  const labels = useMemo(() => periods.map((p) => periodLabel(p, 'month', lang)), [periods, lang]);
  const series: Series[] = useMemo(
    () =>
      (report.data?.totals ?? []).map((c, i) => {
        const at = new Map(
          report.data!.rows.filter((r) => r.rootCause === c.rootCause).map((r) => [r.period, r.complaints]),
        );
        return {
          name: nameOf(c.rootCause),
          type: 'bar' as const,
          stack: 'causes',
          data: periods.map((p) => at.get(p) ?? 0),
          color: COLORS[i % COLORS.length]!,
        };
      }),
    [report.data, periods, nameOf],
  );
  const pct = (v: number | null) => (v === null ? '—' : fmtPercent(v / 100, lang));

  if (report.error) return <LoadError error={report.error} role={props.role} />;
  return (
    <div className="page">
      <h1>{t('navVoc')}</h1>
      <VocTabs current="root-causes" />
      <Card title={t('vocRootCauseTrend')} testId="root-cause-trend">
        {report.data ? (
          <>
            <Chart labels={labels} series={series} height={320} testId="chart-root-causes" />
            <details>
              <summary>{t('vocRootCauseTable')}</summary>
              <div className="scroll-x">
                <table data-testid="root-cause-table">
                  <thead>
                    <tr>
                      <th>{t('vocRootCause')}</th>
                      {labels.map((l) => (
                        <th key={l}>{l}</th>
                      ))}
                      <th>{t('vocTotal')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {report.data.totals.map((c, i) => (
                      <tr key={c.rootCause}>
                        <td>{nameOf(c.rootCause)}</td>
                        {series[i]!.data.map((n, k) => (
                          <td key={periods[k]}>{fmtNumber(n, lang)}</td>
                        ))}
                        <td>
                          <strong>{fmtNumber(c.complaints, lang)}</strong>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </details>
          </>
        ) : (
          <Loading />
        )}
      </Card>
      <div className="grid2">
        <Card title={t('vocRecurrence')} testId="recurrence">
          {recurrence.data ? (
            recurrence.data.items.length === 0 ? (
              <p className="muted">{t('noResults')}</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th>{t('vocRootCause')}</th>
                    <th>{t('vocFixedAt')}</th>
                    <th>{t('vocFixNote')}</th>
                    <th>{t('vocBefore')}</th>
                    <th>{t('vocAfter')}</th>
                  </tr>
                </thead>
                <tbody>
                  {recurrence.data.items.map((r) => (
                    <tr key={`${r.rootCause}-${r.fixedAt}`}>
                      <td>{nameOf(r.rootCause)}</td>
                      <td>{fmtDate(r.fixedAt, lang)}</td>
                      <td dir="auto">{r.fixNote}</td>
                      <td>{fmtNumber(r.complaintsBefore, lang)}</td>
                      <td className={r.complaintsAfter > 0 ? 'neg' : 'pos'}>
                        {fmtNumber(r.complaintsAfter, lang)}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          ) : (
            <Loading />
          )}
          {canWorkComplaints(props.role) && causes.data ? (
            <RecordFix causes={causes.data.items} nameOf={nameOf} onDone={recurrence.reload} />
          ) : null}
        </Card>
        <Card title={t('vocRepeat')} testId="repeat-complainers">
          {repeat.data ? (
            repeat.data.items.length === 0 ? (
              <p className="muted">{t('noResults')}</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th>{t('vocMember')}</th>
                    <th>{t('vocComplaintsCount')}</th>
                    <th>{t('vocLastAt')}</th>
                  </tr>
                </thead>
                <tbody>
                  {repeat.data.items.map((r) => (
                    <tr key={r.memberExternalId}>
                      <td dir="ltr">
                        <a
                          href={`/admin/members/${enc(r.memberExternalId)}`}
                          onClick={(e) => {
                            e.preventDefault();
                            navigate(`/members/${enc(r.memberExternalId)}`);
                          }}
                        >
                          {r.memberExternalId}
                        </a>
                      </td>
                      <td>{fmtNumber(r.complaints, lang)}</td>
                      <td>{fmtDateTime(r.lastAt, lang)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          ) : (
            <Loading />
          )}
        </Card>
      </div>
      <Card title={t('vocSlaReport')} testId="sla-report">
        {sla.data ? (
          <div className="grid2">
            {(
              [
                ['vocByCategory', sla.data.byCategory, true],
                ['vocByAgent', sla.data.byAgent, false],
              ] as const
            ).map(([title, rows, isCategory]) => (
              <div key={title}>
                <h3>{t(title)}</h3>
                <table>
                  <thead>
                    <tr>
                      <th />
                      <th>{t('vocResolvedCount')}</th>
                      <th>{t('vocFrMet')}</th>
                      <th>{t('vocResMet')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((r) => (
                      <tr key={r.key ?? ''}>
                        <td dir="auto">{isCategory ? nameOf(r.key) : (r.key ?? t('vocUnassigned'))}</td>
                        <td>{fmtNumber(r.resolved, lang)}</td>
                        <td>{pct(r.firstResponseRate)}</td>
                        <td>{pct(r.resolutionRate)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ))}
          </div>
        ) : (
          <Loading />
        )}
      </Card>
    </div>
  );
}

function RecordFix(props: { causes: Named[]; nameOf: (k: string) => string; onDone: () => void }) {
  const { t } = useI18n();
  const [key, setKey] = useState(props.causes[0]?.key ?? '');
  const [note, setNote] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setDone(false);
    try {
      await api('POST', `/v1/complaints/root-causes/${enc(key)}/fixes`, { note });
      setNote('');
      setDone(true);
      props.onDone();
    } catch (err) {
      if (err instanceof ApiError) setError(err);
      else throw err;
    }
  }
  return (
    <form className="inline-form" onSubmit={submit} data-testid="record-fix">
      <h3>{t('vocRecordFix')}</h3>
      <Field name="rootCause" label={t('vocRootCause')}>
        <select name="rootCause" value={key} onChange={(e) => setKey(e.target.value)}>
          {props.causes.map((c) => (
            <option key={c.key} value={c.key}>
              {props.nameOf(c.key)}
            </option>
          ))}
        </select>
      </Field>
      <Field name="note" label={t('vocFixNote')} error={error?.fieldError('note')}>
        <input name="note" dir="auto" value={note} onChange={(e) => setNote(e.target.value)} />
      </Field>
      <button type="submit">{t('vocFixSave')}</button>
      {error && !error.fieldError('note') ? (
        <p className="error" role="alert">
          {error.problem.detail}
        </p>
      ) : null}
      {done ? <p className="ok">{t('vocDone')}</p> : null}
    </form>
  );
}
