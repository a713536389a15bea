import { type FormEvent, useState } from 'react';
import { api, enc } from '../api.js';
import { fmtNumber, fmtPercent } from '../format.js';
import { useApi } from '../hooks.js';
import { type MessageKey, useI18n } from '../i18n.js';
import { Card, Field, LoadError, Loading, type Role } from '../ui.js';
import { canWriteProgramme, FormError, num, ProgrammeTabs, useSave } from './ProgrammeKit.js';
import { MemberLink, type ReferralSettings } from './Referrals.js';

const CRITERIA = ['loyalty', 'payment', 'cooperation', 'referrals'] as const;
type Criterion = (typeof CRITERIA)[number];

interface Eligibility {
  memberExternalId: string;
  score: number;
  eligible: boolean;
  threshold: number;
  components: Array<{
    criterion: Criterion;
    weight: number;
    value: number | null;
    contribution: number;
    facts: Record<string, number | string | null>;
  }>;
}

/**
 * Seed 004's discount eligibility: the four criteria's weights and the threshold, and one member's
 * score taken apart, so a marketer sees what a change of weights means before a campaign targets it.
 */
export function EligibilityPage(props: { role: Role }) {
  const { t, lang } = useI18n();
  const settings = useApi<ReferralSettings>('/v1/referral-settings');
  const canEdit = canWriteProgramme(props.role);
  const [d, setD] = useState<Record<string, string> | null>(null);
  const save = useSave();
  const lookup = useSave();
  const [member, setMember] = useState('');
  const [result, setResult] = useState<Eligibility | null>(null);

  if (settings.error) return <LoadError error={settings.error} role={props.role} />;
  if (!settings.data) return <Loading />;
  const s = settings.data;
  const form =
    d ??
    (Object.fromEntries([
      ...CRITERIA.map((c) => [c, String(s.weights[c])]),
      ['eligibleThreshold', String(s.eligibleThreshold)],
    ]) as Record<string, string>);
  const weights = CRITERIA.map((c) => Number(num(form[c] ?? '') ?? 0) || 0);
  const total = weights.reduce((a, b) => a + b, 0);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const body = {
      weights: Object.fromEntries(CRITERIA.map((c) => [c, num(form[c] ?? '')])),
      eligibleThreshold: num(form.eligibleThreshold ?? ''),
    };
    if (await save.run(() => api('PATCH', '/v1/referral-settings', body))) {
      setD(null);
      settings.reload();
      setResult(null);
    }
  }

  return (
    <div className="page">
      <ProgrammeTabs current="/programme/eligibility" />
      <h1>{t('pgEligibilityTitle')}</h1>
      <p className="muted">{t('pgEligibilityHelp')}</p>
      <Card title={t('pgWeights')} testId="eligibility-weights">
        <form className="form-grid" onSubmit={submit} noValidate>
          {CRITERIA.map((c, i) => (
            <Field
              key={c}
              name={`weights.${c}`}
              label={t(`pgCriterion_${c}` as MessageKey)}
              error={save.fe(`weights.${c}`)}
            >
              {canEdit ? (
                <input
                  name={`weights.${c}`}
                  dir="ltr"
                  value={form[c] ?? ''}
                  onChange={(e) => setD({ ...form, [c]: e.target.value })}
                />
              ) : (
                <strong>{fmtNumber(s.weights[c], lang)}</strong>
              )}
              <progress max={1} value={total ? weights[i]! / total : 0} />
              <small className="muted">
                {total ? fmtPercent(weights[i]! / total, lang) : '—'} ·{' '}
                {t(`pgCriterionHelp_${c}` as MessageKey)}
              </small>
            </Field>
          ))}
          <Field name="eligibleThreshold" label={t('pgThreshold')} error={save.fe('eligibleThreshold')}>
            {canEdit ? (
              <input
                name="eligibleThreshold"
                dir="ltr"
                value={form.eligibleThreshold ?? ''}
                onChange={(e) => setD({ ...form, eligibleThreshold: e.target.value })}
              />
            ) : (
              <strong>{fmtNumber(s.eligibleThreshold, lang)}</strong>
            )}
          </Field>
          <FormError
            error={save.error}
            fields={[...CRITERIA.map((c) => `weights.${c}`), 'weights', 'eligibleThreshold']}
          />
          {save.error?.fieldError('weights') ? (
            <p className="error pg-wide" role="alert">
              {save.fe('weights')}
            </p>
          ) : null}
          {canEdit ? (
            <div className="actions">
              <button type="submit" disabled={save.busy}>
                {t('save')}
              </button>
              {save.saved ? <span className="ok">{t('saved')}</span> : null}
            </div>
          ) : null}
        </form>
      </Card>
      <Card title={t('pgMemberScore')}>
        <form
          className="inline-form"
          noValidate
          onSubmit={async (e) => {
            e.preventDefault();
            setResult(null);
            await lookup.run(async () =>
              setResult(await api<Eligibility>('GET', `/v1/members/${enc(member.trim())}/eligibility`)),
            );
          }}
        >
          <Field name="member" label={t('externalId')}>
            <input name="member" dir="ltr" value={member} onChange={(e) => setMember(e.target.value)} />
          </Field>
          <button type="submit">{t('show')}</button>
        </form>
        <FormError error={lookup.error} fields={[]} />
        {result ? (
          <div data-testid="eligibility-result">
            <p>
              <MemberLink id={result.memberExternalId} /> ·{' '}
              <strong>{t('pgScoreOf', { score: fmtNumber(result.score, lang, 1) })}</strong> ·{' '}
              <span className={result.eligible ? 'ok' : 'error'}>
                {result.eligible
                  ? t('pgEligible', { threshold: fmtNumber(result.threshold, lang) })
                  : t('pgNotEligible', { threshold: fmtNumber(result.threshold, lang) })}
              </span>
            </p>
            <table>
              <thead>
                <tr>
                  <th>{t('pgCriterion')}</th>
                  <th>{t('pgWeight')}</th>
                  <th>{t('pgValue')}</th>
                  <th>{t('pgContribution')}</th>
                  <th>{t('pgFacts')}</th>
                </tr>
              </thead>
              <tbody>
                {result.components.map((c) => (
                  <tr key={c.criterion}>
                    <td>{t(`pgCriterion_${c.criterion}` as MessageKey)}</td>
                    <td>{fmtNumber(c.weight, lang)}</td>
                    <td>{c.value === null ? t('pgNotJudged') : fmtPercent(c.value, lang)}</td>
                    <td>{fmtNumber(c.contribution, lang, 1)}</td>
                    <td dir="ltr" className="muted">
                      {Object.entries(c.facts)
                        .map(([k, v]) => `${k}: ${v ?? '—'}`)
                        .join(' · ')}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </Card>
    </div>
  );
}
