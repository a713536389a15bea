import { type FormEvent, useMemo, useState } from 'react';
import type { Features } from '../App.js';
import { ApiError, api, enc } from '../api.js';
import { fmtDate, fmtDateTime, fmtNumber, fmtToman } from '../format.js';
import { useApi } from '../hooks.js';
import { useI18n } from '../i18n.js';
import { navigate } from '../router.js';
import { Card, Field, LoadError, Loading, type Role } from '../ui.js';
import { fullName, type Member } from './Members.js';

interface Balance {
  available: number;
  pending: number;
  reserved: number;
  debt: number;
  lifetimeEarned: number;
  nextExpiry: { points: number; at: string } | null;
}
interface LedgerEntry {
  id: string;
  at: string;
  reason: string;
  amount: number;
  effects: { available: number; pending: number; reserved: number; debt: number };
  ruleId: string | null;
  note: string | null;
}
interface TierRef {
  key: string;
  name: { fa: string; en: string };
}
interface MemberTier {
  measure: 'spend' | 'points' | 'orders';
  measureValue: number;
  tier: TierRef | null;
  next: { tier: TierRef; threshold: number; remaining: number; deadline: string } | null;
}
interface Benefits {
  tier: TierRef | null;
  benefits: {
    shippingClass: string | null;
    freeShippingThresholdRials: number | null;
    warrantyExtensionMonths: number;
    earningMultiplier: number;
    earlyAccessHours: number;
    perks: Array<{ fa: string; en: string }>;
  };
}
interface Order {
  externalId: string;
  placedAt: string;
  status: string;
  totalRials: number;
  returnedRials: number;
}

export function MemberPage(props: { externalId: string; role: Role; features: Features | null }) {
  const { t, lang } = useI18n();
  const id = enc(props.externalId);
  const member = useApi<Member>(`/v1/members/${id}`);
  const balance = useApi<Balance>(`/v1/members/${id}/points`);
  const ledger = useApi<{ items: LedgerEntry[] }>(`/v1/members/${id}/ledger?limit=50`);
  const tier = useApi<MemberTier>(`/v1/members/${id}/tier`);
  const benefits = useApi<Benefits>(`/v1/members/${id}/benefits`);
  const orders = useApi<{ items: Order[] }>(`/v1/reports/members/${id}/orders?limit=20`);
  const rules = useApi<{ items: Array<{ id: string; name: string }> }>('/v1/rules');
  const ruleNames = useMemo(
    () => new Map((rules.data?.items ?? []).map((r) => [r.id, r.name])),
    [rules.data],
  );
  const canAdjust = props.role === 'owner' || props.role === 'support';

  if (member.error) return <LoadError error={member.error} role={props.role} />;
  if (!member.data) return <Loading />;
  const m = member.data;
  const measureFmt = (v: number) => (tier.data?.measure === 'spend' ? fmtToman(v, lang) : fmtNumber(v, lang));

  return (
    <div className="page">
      <p>
        <a
          href="/admin/members"
          onClick={(e) => {
            e.preventDefault();
            navigate('/members');
          }}
        >
          {t('back')}
        </a>
      </p>
      <h1 data-testid="member-name">{fullName(m)}</h1>
      <div className="grid3">
        <Card title={t('profile')} testId="member-profile">
          <dl>
            <dt>{t('externalId')}</dt>
            <dd dir="ltr">{m.externalId}</dd>
            <dt>{t('mobile')}</dt>
            <dd dir="ltr">{m.mobile ?? '—'}</dd>
            <dt>{t('email')}</dt>
            <dd dir="ltr">{m.email ?? '—'}</dd>
            <dt>{t('city')}</dt>
            <dd>{[m.city, m.province].filter(Boolean).join('، ') || '—'}</dd>
            <dt>{t('birthDate')}</dt>
            <dd>{fmtDate(m.birthDate, lang)}</dd>
            <dt>{t('joined')}</dt>
            <dd>{fmtDate(m.createdAt, lang)}</dd>
            <dt>{t('consentSms')}</dt>
            <dd>{m.consentSms ? t('yes') : t('no')}</dd>
          </dl>
        </Card>
        <Card title={t('points')} testId="member-points">
          {balance.data ? (
            <>
              <p className="kpi" data-testid="points-available">
                {fmtNumber(balance.data.available, lang)}
              </p>
              <dl>
                <dt>{t('pending')}</dt>
                <dd>{fmtNumber(balance.data.pending, lang)}</dd>
                <dt>{t('reserved')}</dt>
                <dd>{fmtNumber(balance.data.reserved, lang)}</dd>
                <dt>{t('debt')}</dt>
                <dd>{fmtNumber(balance.data.debt, lang)}</dd>
                <dt>{t('lifetimeEarned')}</dt>
                <dd>{fmtNumber(balance.data.lifetimeEarned, lang)}</dd>
              </dl>
              {balance.data.nextExpiry ? (
                <p className="muted">
                  {t('nextExpiry', {
                    points: fmtNumber(balance.data.nextExpiry.points, lang),
                    date: fmtDate(balance.data.nextExpiry.at, lang),
                  })}
                </p>
              ) : null}
            </>
          ) : (
            <Loading />
          )}
        </Card>
        <Card title={t('tier')} testId="member-tier">
          {tier.data ? (
            <>
              <p className="kpi">{tier.data.tier ? tier.data.tier.name[lang] : t('noTier')}</p>
              {tier.data.next ? (
                <>
                  <progress
                    max={tier.data.next.threshold}
                    value={Math.min(tier.data.measureValue, tier.data.next.threshold)}
                  />
                  <p className="muted">
                    {t('tierProgress', {
                      value: measureFmt(tier.data.measureValue),
                      threshold: measureFmt(tier.data.next.threshold),
                      next: tier.data.next.tier.name[lang],
                      deadline: fmtDate(tier.data.next.deadline, lang),
                    })}
                  </p>
                </>
              ) : tier.data.tier ? (
                <p className="muted">{t('topTier')}</p>
              ) : null}
              <h3>{t('benefits')}</h3>
              {benefits.data ? <BenefitList b={benefits.data.benefits} /> : null}
            </>
          ) : tier.error ? (
            <LoadError error={tier.error} role={props.role} />
          ) : (
            <Loading />
          )}
        </Card>
      </div>
      {canAdjust ? (
        <Adjust
          externalId={props.externalId}
          onDone={() => {
            balance.reload();
            ledger.reload();
          }}
        />
      ) : null}
      <Card title={t('ordersTitle')} testId="member-orders">
        {orders.data ? (
          orders.data.items.length === 0 ? (
            <p className="muted">{t('noResults')}</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>{t('externalId')}</th>
                  <th>{t('date')}</th>
                  <th>{t('status')}</th>
                  <th>{t('total')}</th>
                  <th>{t('returned')}</th>
                </tr>
              </thead>
              <tbody>
                {orders.data.items.map((o) => (
                  <tr key={o.externalId}>
                    <td dir="ltr">{o.externalId}</td>
                    <td>{fmtDateTime(o.placedAt, lang)}</td>
                    <td>{o.status}</td>
                    <td>{fmtToman(o.totalRials, lang)}</td>
                    <td>{o.returnedRials ? fmtToman(o.returnedRials, lang) : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        ) : (
          <Loading />
        )}
      </Card>
      <Card title={t('ledger')} testId="member-ledger">
        {ledger.data ? (
          <table>
            <thead>
              <tr>
                <th>{t('date')}</th>
                <th>{t('reason')}</th>
                <th>{t('points')}</th>
                <th>{t('rule')}</th>
                <th>{t('note')}</th>
              </tr>
            </thead>
            <tbody>
              {ledger.data.items.map((e) => {
                const signed = e.effects.available + e.effects.pending;
                return (
                  <tr key={e.id}>
                    <td>{fmtDateTime(e.at, lang)}</td>
                    <td dir="ltr">{e.reason}</td>
                    <td className={signed < 0 ? 'neg' : 'pos'}>
                      {fmtNumber(signed === 0 ? e.amount : signed, lang)}
                    </td>
                    <td>{e.ruleId ? (ruleNames.get(e.ruleId) ?? e.ruleId) : '—'}</td>
                    <td>{e.note ?? '—'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        ) : (
          <Loading />
        )}
      </Card>
    </div>
  );
}

function BenefitList(props: { b: Benefits['benefits'] }) {
  const { t, lang } = useI18n();
  const b = props.b;
  const items: string[] = [];
  if (b.earningMultiplier !== 1)
    items.push(t('earningMultiplier', { x: fmtNumber(b.earningMultiplier, lang, 2) }));
  if (b.freeShippingThresholdRials !== null)
    items.push(t('freeShippingOver', { amount: fmtToman(b.freeShippingThresholdRials, lang) }));
  if (b.shippingClass) items.push(t('shippingClass', { c: b.shippingClass }));
  if (b.warrantyExtensionMonths)
    items.push(t('warranty', { months: fmtNumber(b.warrantyExtensionMonths, lang) }));
  if (b.earlyAccessHours) items.push(t('earlyAccess', { hours: fmtNumber(b.earlyAccessHours, lang) }));
  for (const p of b.perks) items.push(p[lang]);
  if (items.length === 0) return <p className="muted">{t('noBenefits')}</p>;
  return (
    <ul>
      {items.map((s) => (
        <li key={s}>{s}</li>
      ))}
    </ul>
  );
}

function Adjust(props: { externalId: string; onDone: () => void }) {
  const { t, lang } = useI18n();
  const [points, setPoints] = useState('');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState('');
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setDone('');
    try {
      const res = await api<{ points: number }>(
        'POST',
        `/v1/members/${enc(props.externalId)}/points/adjustments`,
        {
          points: Number(points),
          reason,
        },
      );
      setDone(t('adjustDone', { points: fmtNumber(res.points, lang) }));
      setPoints('');
      setReason('');
      props.onDone();
    } catch (err) {
      if (err instanceof ApiError) setError(err);
      else throw err;
    }
  }
  return (
    <Card title={t('adjustTitle')} testId="adjust">
      <form className="inline-form" onSubmit={submit}>
        <Field name="points" label={t('adjustPoints')} error={error?.fieldError('points')}>
          <input
            name="points"
            type="number"
            dir="ltr"
            value={points}
            onChange={(e) => setPoints(e.target.value)}
          />
        </Field>
        <Field name="reason" label={t('adjustReason')} error={error?.fieldError('reason')}>
          <input name="reason" value={reason} onChange={(e) => setReason(e.target.value)} />
        </Field>
        <button type="submit">{t('adjustSubmit')}</button>
      </form>
      {error && !error.problem.errors ? (
        <p className="error" role="alert">
          {error.problem.detail}
        </p>
      ) : null}
      {done ? <p className="ok">{done}</p> : null}
    </Card>
  );
}
