import { type FormEvent, useMemo, useState } from 'react';
import { api, enc } from '../api.js';
import { Chart } from '../chart.js';
import { fmtDateTime, fmtMonth, fmtNumber, fmtPercent } from '../format.js';
import { useApi } from '../hooks.js';
import { type MessageKey, useI18n } from '../i18n.js';
import { navigate } from '../router.js';
import { Card, Field, LoadError, Loading, type Role } from '../ui.js';
import { canWriteProgramme, FormError, num, ProgrammeTabs, Stat, useSave } from './ProgrammeKit.js';
import type { Reward } from './Rewards.js';

export interface ReferralSettings {
  welcomePoints: number;
  welcomeRewardId: string | null;
  referrerPoints: number;
  monthlyCap: number;
  refereeMaxAgeDays: number;
  linkBaseUrl: string;
  weights: { loyalty: number; payment: number; cooperation: number; referrals: number };
  eligibleThreshold: number;
}

interface Stats {
  accepted: number;
  pending: number;
  rewarded: number;
  refused: number;
  welcomePoints: number;
  referrerPoints: number;
  refusals: Array<{ reason: string; count: number }>;
  months: Array<{ start: string; accepted: number; refused: number; rewarded: number }>;
  topReferrers: Array<{ memberExternalId: string; accepted: number; rewarded: number }>;
}

interface Referral {
  id: string;
  code: string;
  referrerExternalId: string | null;
  refereeExternalId: string;
  status: 'pending' | 'rewarded' | 'refused';
  reason: string | null;
  welcomePoints: number;
  referrerPoints: number;
  createdAt: string;
}

export function MemberLink(props: { id: string | null }) {
  if (!props.id) return <>—</>;
  const id = props.id;
  return (
    <a
      href={`/admin/members/${enc(id)}`}
      onClick={(e) => {
        e.preventDefault();
        navigate(`/members/${enc(id)}`);
      }}
    >
      {id}
    </a>
  );
}

export function ReferralsPage(props: { role: Role }) {
  const { t, lang } = useI18n();
  const stats = useApi<Stats>('/v1/referrals/stats');
  const settings = useApi<ReferralSettings>('/v1/referral-settings');
  const [status, setStatus] = useState('');
  const referrals = useApi<{ items: Referral[] }>(
    `/v1/referrals?limit=50${status ? `&status=${status}` : ''}`,
  );
  const s = stats.data;
  const labels = useMemo(() => (s ? s.months.map((m) => fmtMonth(m.start, lang)) : []), [s, lang]);
  const series = useMemo(
    () =>
      s
        ? [
            {
              name: t('pgAccepted'),
              type: 'bar' as const,
              data: s.months.map((m) => m.accepted),
              color: '#0f766e',
            },
            {
              name: t('pgRefused'),
              type: 'bar' as const,
              data: s.months.map((m) => m.refused),
              color: '#b91c1c',
            },
            {
              name: t('pgRewardedReferrers'),
              type: 'line' as const,
              data: s.months.map((m) => m.rewarded),
              color: '#f59e0b',
            },
          ]
        : [],
    [s, t],
  );
  // Counts: an axis tick between two whole numbers (0.2, 0.4 … on a small month) is left unlabelled.
  const fmt = useMemo(() => (n: number) => (Number.isInteger(n) ? fmtNumber(n, lang) : ''), [lang]);

  if (stats.error) return <LoadError error={stats.error} role={props.role} />;
  return (
    <div className="page">
      <ProgrammeTabs current="/programme/referrals" />
      <h1>{t('pgReferralsTitle')}</h1>
      <p className="muted">{t('pgReferralsHelp')}</p>
      {!s ? (
        <Loading />
      ) : (
        <>
          <div className="kpis" data-testid="referral-kpis">
            <Card>
              <Stat label={t('pgAccepted')} value={fmtNumber(s.accepted, lang)} testId="kpi-accepted" />
            </Card>
            <Card>
              <Stat
                label={t('pgRewardedReferrers')}
                value={fmtNumber(s.rewarded, lang)}
                help={t('pgPendingN', { n: fmtNumber(s.pending, lang) })}
              />
            </Card>
            <Card>
              <Stat
                label={t('pgRefused')}
                value={fmtNumber(s.refused, lang)}
                help={
                  s.accepted + s.refused
                    ? t('pgRefusedShare', { pct: fmtPercent(s.refused / (s.accepted + s.refused), lang) })
                    : undefined
                }
              />
            </Card>
            <Card>
              <Stat
                label={t('pgPointsGiven')}
                value={fmtNumber(s.welcomePoints + s.referrerPoints, lang)}
                help={t('pgPointsGivenParts', {
                  welcome: fmtNumber(s.welcomePoints, lang),
                  referrer: fmtNumber(s.referrerPoints, lang),
                })}
              />
            </Card>
          </div>
          <Card title={t('pgReferralsByMonth')}>
            <Chart labels={labels} series={series} format={fmt} testId="chart-referrals" />
          </Card>
          <div className="grid2">
            <Card title={t('pgRefusalsByReason')}>
              {s.refusals.length === 0 ? (
                <p className="muted">{t('noResults')}</p>
              ) : (
                <table data-testid="refusals-table">
                  <tbody>
                    {s.refusals.map((r) => (
                      <tr key={r.reason}>
                        <td>{t(`pgRefusal_${r.reason}` as MessageKey)}</td>
                        <td>{fmtNumber(r.count, lang)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </Card>
            <Card title={t('pgTopReferrers')}>
              {s.topReferrers.length === 0 ? (
                <p className="muted">{t('noResults')}</p>
              ) : (
                <table data-testid="top-referrers">
                  <thead>
                    <tr>
                      <th>{t('externalId')}</th>
                      <th>{t('pgAccepted')}</th>
                      <th>{t('pgRewardedReferrers')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {s.topReferrers.map((r) => (
                      <tr key={r.memberExternalId}>
                        <td>
                          <MemberLink id={r.memberExternalId} />
                        </td>
                        <td>{fmtNumber(r.accepted, lang)}</td>
                        <td>{fmtNumber(r.rewarded, lang)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </Card>
          </div>
        </>
      )}
      {settings.data ? (
        <ReferralSettingsCard
          settings={settings.data}
          canEdit={canWriteProgramme(props.role)}
          onSaved={settings.reload}
        />
      ) : null}
      <Card title={t('pgRecentReferrals')}>
        <div className="inline-form">
          <Field name="status" label={t('status')}>
            <select name="status" value={status} onChange={(e) => setStatus(e.target.value)}>
              <option value="">{t('pgAll')}</option>
              {(['pending', 'rewarded', 'refused'] as const).map((x) => (
                <option key={x} value={x}>
                  {t(`pgReferral_${x}` as MessageKey)}
                </option>
              ))}
            </select>
          </Field>
        </div>
        {!referrals.data ? (
          <Loading />
        ) : referrals.data.items.length === 0 ? (
          <p className="muted">{t('noResults')}</p>
        ) : (
          <table data-testid="referrals-table">
            <thead>
              <tr>
                <th>{t('date')}</th>
                <th>{t('pgReferrer')}</th>
                <th>{t('pgReferee')}</th>
                <th>{t('status')}</th>
                <th>{t('points')}</th>
              </tr>
            </thead>
            <tbody>
              {referrals.data.items.map((r) => (
                <tr key={r.id}>
                  <td>{fmtDateTime(r.createdAt, lang)}</td>
                  <td>
                    <MemberLink id={r.referrerExternalId} />
                  </td>
                  <td>
                    <MemberLink id={r.refereeExternalId} />
                  </td>
                  <td>
                    {t(`pgReferral_${r.status}` as MessageKey)}
                    {r.reason ? ` · ${t(`pgRefusal_${r.reason}` as MessageKey)}` : ''}
                  </td>
                  <td>
                    {r.status === 'refused'
                      ? '—'
                      : `${fmtNumber(r.welcomePoints, lang)} + ${fmtNumber(r.referrerPoints, lang)}`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}

const SETTINGS_FIELDS = [
  'welcomePoints',
  'referrerPoints',
  'monthlyCap',
  'refereeMaxAgeDays',
  'linkBaseUrl',
] as const;
const SETTINGS_LABELS: Record<(typeof SETTINGS_FIELDS)[number], MessageKey> = {
  welcomePoints: 'pgWelcomePoints',
  referrerPoints: 'pgReferrerPoints',
  monthlyCap: 'pgMonthlyCap',
  refereeMaxAgeDays: 'pgRefereeMaxAge',
  linkBaseUrl: 'pgLinkBase',
};

function ReferralSettingsCard(props: { settings: ReferralSettings; canEdit: boolean; onSaved: () => void }) {
  const { t, lang } = useI18n();
  const rewards = useApi<{ items: Reward[] }>(props.canEdit ? '/v1/rewards' : null);
  const initial = () =>
    Object.fromEntries([
      ...SETTINGS_FIELDS.map((k) => [k, String(props.settings[k])]),
      ['welcomeRewardId', props.settings.welcomeRewardId ?? ''],
    ]) as Record<string, string>;
  const [d, setD] = useState<Record<string, string>>(initial);
  const save = useSave();
  const s = props.settings;
  if (!props.canEdit) {
    return (
      <Card title={t('pgReferralSettings')} testId="referral-settings">
        <dl>
          {SETTINGS_FIELDS.map((k) => (
            <div key={k} style={{ display: 'contents' }}>
              <dt>{t(SETTINGS_LABELS[k])}</dt>
              <dd dir={k === 'linkBaseUrl' ? 'ltr' : undefined}>
                {typeof s[k] === 'number' ? fmtNumber(s[k] as number, lang) : String(s[k])}
              </dd>
            </div>
          ))}
        </dl>
      </Card>
    );
  }
  async function submit(e: FormEvent) {
    e.preventDefault();
    const body = {
      welcomePoints: num(d.welcomePoints ?? ''),
      referrerPoints: num(d.referrerPoints ?? ''),
      monthlyCap: num(d.monthlyCap ?? ''),
      refereeMaxAgeDays: num(d.refereeMaxAgeDays ?? ''),
      linkBaseUrl: (d.linkBaseUrl ?? '').trim(),
      welcomeRewardId: d.welcomeRewardId ? d.welcomeRewardId : null,
    };
    if (await save.run(() => api('PATCH', '/v1/referral-settings', body))) props.onSaved();
  }
  return (
    <Card title={t('pgReferralSettings')} testId="referral-settings">
      <form className="form-grid" onSubmit={submit} noValidate>
        {SETTINGS_FIELDS.map((k) => (
          <Field key={k} name={k} label={t(SETTINGS_LABELS[k])} error={save.fe(k)}>
            <input
              name={k}
              dir="ltr"
              value={d[k] ?? ''}
              onChange={(e) => setD({ ...d, [k]: e.target.value })}
            />
          </Field>
        ))}
        <Field name="welcomeRewardId" label={t('pgWelcomeReward')} error={save.fe('welcomeRewardId')}>
          <select
            name="welcomeRewardId"
            value={d.welcomeRewardId ?? ''}
            onChange={(e) => setD({ ...d, welcomeRewardId: e.target.value })}
          >
            <option value="">—</option>
            {(rewards.data?.items ?? [])
              .filter((r) => r.isActive || r.id === d.welcomeRewardId)
              .map((r) => (
                <option key={r.id} value={r.id}>
                  {lang === 'en' && r.nameEn ? r.nameEn : r.nameFa}
                </option>
              ))}
          </select>
        </Field>
        <FormError error={save.error} fields={[...SETTINGS_FIELDS, 'welcomeRewardId']} />
        <div className="actions">
          <button type="submit" disabled={save.busy}>
            {t('save')}
          </button>
          {save.saved ? <span className="ok">{t('saved')}</span> : null}
        </div>
      </form>
    </Card>
  );
}
