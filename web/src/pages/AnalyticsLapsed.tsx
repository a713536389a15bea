import { type FormEvent, useState } from 'react';
import { enc } from '../api.js';
import { fmtDate, fmtNumber, fmtPercent, fmtToman } from '../format.js';
import { useApi } from '../hooks.js';
import { useI18n } from '../i18n.js';
import { navigate } from '../router.js';
import { Card, Loading, type Role } from '../ui.js';
import { ReportError, segmentLabel } from './Analytics.js';

interface LapsedPage {
  days: number;
  pAliveBelow: number;
  total: number;
  items: Array<{
    memberExternalId: string;
    firstName: string | null;
    lastName: string | null;
    mobile: string | null;
    consentSms: boolean;
    consentEmail: boolean;
    segment: string;
    purchaseDays: number;
    revenueRials: number;
    lastPurchaseDay: string;
    recencyDays: number;
    pAlive: number | null;
    clvRials: number | null;
  }>;
}

const P_ALIVE_CHOICES = [0, 0.1, 0.2, 0.3, 0.5];

export function LapsedTab(props: { role: Role }) {
  const { t, lang } = useI18n();
  const [daysInput, setDaysInput] = useState('');
  const [pInput, setPInput] = useState(0.3);
  const [query, setQuery] = useState(`pAliveBelow=0.3`);
  const { data, error } = useApi<LapsedPage>(`/v1/insights/reports/lapsed?limit=100&${query}`);
  function apply(e: FormEvent) {
    e.preventDefault();
    const days = Number(daysInput);
    setQuery(`pAliveBelow=${pInput}${daysInput && days > 0 ? `&days=${Math.round(days)}` : ''}`);
  }
  const csvHref = data
    ? `/v1/insights/reports/lapsed?format=csv&days=${data.days}&pAliveBelow=${data.pAliveBelow}`
    : '';
  return (
    <Card title={t('anLapsedTitle')} testId="lapsed">
      <form className="inline-form" onSubmit={apply}>
        <label>
          <span>{t('anDays')}</span>{' '}
          <input
            name="days"
            type="number"
            min={1}
            max={3650}
            placeholder={data ? String(data.days) : ''}
            value={daysInput}
            onChange={(e) => setDaysInput(e.target.value)}
          />
        </label>
        <label>
          <span>{t('anPAliveBelow')}</span>{' '}
          <select name="pAliveBelow" value={pInput} onChange={(e) => setPInput(Number(e.target.value))}>
            {P_ALIVE_CHOICES.map((p) => (
              <option key={p} value={p}>
                {p === 0 ? t('anOff') : fmtNumber(p, lang, 1)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">{t('anApply')}</button>
        {data && data.total > 0 ? (
          <a className="button" href={csvHref} download data-testid="lapsed-csv">
            {t('anDownloadCsv', { n: fmtNumber(Math.min(data.total, 100_000), lang) })}
          </a>
        ) : null}
      </form>
      {error ? <ReportError error={error} role={props.role} /> : null}
      {!data && !error ? <Loading /> : null}
      {data ? (
        <>
          <p className="muted">
            {t('anLapsedHelp', {
              days: fmtNumber(data.days, lang),
              p: data.pAliveBelow === 0 ? t('anOff') : fmtNumber(data.pAliveBelow, lang, 2),
            })}
          </p>
          <p data-testid="lapsed-total">
            {t('anShowingFirst', {
              shown: fmtNumber(data.items.length, lang),
              total: fmtNumber(data.total, lang),
            })}
          </p>
          {data.items.length === 0 ? (
            <p className="muted">{t('noResults')}</p>
          ) : (
            <div className="scroll-x">
              <table data-testid="lapsed-table">
                <thead>
                  <tr>
                    <th>{t('name')}</th>
                    <th>{t('anSegment')}</th>
                    <th>{t('anPurchaseDays')}</th>
                    <th>{t('anRevenue')}</th>
                    <th>{t('anLastPurchase')}</th>
                    <th>{t('anRecencyDays')}</th>
                    <th>{t('anPAlive')}</th>
                    <th>{t('anClv')}</th>
                    <th>{t('consentSms')}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((m) => (
                    <tr key={m.memberExternalId} data-member={m.memberExternalId}>
                      <td>
                        <a
                          href={`/admin/members/${enc(m.memberExternalId)}`}
                          onClick={(e) => {
                            e.preventDefault();
                            navigate(`/members/${enc(m.memberExternalId)}`);
                          }}
                        >
                          {[m.firstName, m.lastName].filter(Boolean).join(' ') || m.memberExternalId}
                        </a>
                      </td>
                      <td>{segmentLabel(t, m.segment)}</td>
                      <td>{fmtNumber(m.purchaseDays, lang)}</td>
                      <td>{fmtToman(m.revenueRials, lang)}</td>
                      <td>{fmtDate(`${m.lastPurchaseDay}T12:00:00Z`, lang)}</td>
                      <td>{fmtNumber(m.recencyDays, lang)}</td>
                      <td>{m.pAlive === null ? '—' : fmtPercent(m.pAlive, lang)}</td>
                      <td>{m.clvRials === null ? '—' : fmtToman(m.clvRials, lang)}</td>
                      <td>{m.consentSms ? t('yes') : t('no')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      ) : null}
    </Card>
  );
}
