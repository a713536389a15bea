import { type FormEvent, useMemo, useState } from 'react';
import type { Features } from '../App.js';
import { ApiError, api, enc } from '../api.js';
import { fmtDate, fmtDateTime, fmtNumber, fmtPercent, fmtToman } from '../format.js';
import { useApi } from '../hooks.js';
import { type MessageKey, useI18n } from '../i18n.js';
import { navigate } from '../router.js';
import { Card, Field, LoadError, Loading, type Role } from '../ui.js';
import { fullName, type Member } from './Members.js';
import { type Complaint, priorityKey, SlaTimer, statusKey, useNow } from './VocCommon.js';

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
      <Insights externalId={props.externalId} role={props.role} />
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
      {props.features?.complaints !== false ? (
        <MemberComplaints externalId={props.externalId} role={props.role} />
      ) : null}
      {props.features?.surveys !== false ? (
        <SurveyAnswers externalId={props.externalId} role={props.role} />
      ) : null}
      <Messages externalId={props.externalId} role={props.role} />
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

interface MemberInsights {
  asOf: string;
  asOfDay: string;
  rfm: { r: number; f: number; m: number; cell: string };
  segment: string;
  orders: number;
  revenueRials: number;
  recencyDays: number;
  pAlive: number | null;
  expectedPurchases90d: number | null;
  clvRials: number | null;
  isChurnRisk: boolean;
}

/** RFM segment, pAlive, CLV and churn risk from the latest insights run (docs/insights.md). */
function Insights(props: { externalId: string; role: Role }) {
  const { t, lang } = useI18n();
  const ins = useApi<MemberInsights>(`/v1/members/${enc(props.externalId)}/insights`);
  const notReady =
    ins.error instanceof ApiError &&
    (ins.error.code === 'insights_not_ready' || ins.error.code === 'not_found');
  return (
    <Card title={t('mbrInsights')} testId="member-insights">
      {ins.data ? (
        <>
          <div className="kpis">
            <div>
              <p className="muted">{t('mbrSegment')}</p>
              <p className="kpi" data-testid="insights-segment">
                {t(`mbrSeg_${ins.data.segment}` as MessageKey) || ins.data.segment}
              </p>
            </div>
            <div>
              <p className="muted">{t('mbrPAlive')}</p>
              <p className="kpi" data-testid="insights-palive">
                {ins.data.pAlive === null ? '—' : fmtPercent(ins.data.pAlive, lang)}
              </p>
            </div>
            <div>
              <p className="muted">{t('mbrClv')}</p>
              <p className="kpi" data-testid="insights-clv">
                {ins.data.clvRials === null ? '—' : fmtToman(ins.data.clvRials, lang)}
              </p>
            </div>
            <div>
              <p className="muted">{t('mbrChurn')}</p>
              <p className={`kpi ${ins.data.isChurnRisk ? 'error' : 'ok'}`} data-testid="insights-churn">
                {ins.data.isChurnRisk ? t('mbrChurnYes') : t('mbrChurnNo')}
              </p>
            </div>
          </div>
          <dl>
            <dt>{t('mbrRfm')}</dt>
            <dd dir="ltr">
              {fmtNumber(ins.data.rfm.r, lang)}·{fmtNumber(ins.data.rfm.f, lang)}·
              {fmtNumber(ins.data.rfm.m, lang)}
            </dd>
            <dt>{t('mbrRecency')}</dt>
            <dd>{fmtNumber(ins.data.recencyDays, lang)}</dd>
            <dt>{t('mbrExpected90')}</dt>
            <dd>
              {ins.data.expectedPurchases90d === null
                ? '—'
                : fmtNumber(ins.data.expectedPurchases90d, lang, 2)}
            </dd>
          </dl>
          {ins.data.pAlive === null ? <p className="muted">{t('mbrNoModel')}</p> : null}
          <p className="muted" data-testid="insights-asof">
            {t('mbrAsOf', { date: fmtDate(ins.data.asOf, lang) })}
          </p>
        </>
      ) : notReady ? (
        <p className="muted">{t('mbrNotReady')}</p>
      ) : ins.error ? (
        <LoadError error={ins.error} role={props.role} />
      ) : (
        <Loading />
      )}
    </Card>
  );
}

function MemberComplaints(props: { externalId: string; role: Role }) {
  const { t, lang } = useI18n();
  const now = useNow();
  const list = useApi<{ items: Complaint[] }>(
    `/v1/complaints?memberExternalId=${enc(props.externalId)}&limit=20`,
  );
  return (
    <Card title={t('mbrComplaints')} testId="member-complaints">
      {list.error ? (
        <LoadError error={list.error} role={props.role} />
      ) : !list.data ? (
        <Loading />
      ) : list.data.items.length === 0 ? (
        <p className="muted">{t('noResults')}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>{t('vocComplaint')}</th>
              <th>{t('vocCreated')}</th>
              <th>{t('vocPriority')}</th>
              <th>{t('status')}</th>
              <th>{t('vocResolution')}</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((c) => (
              <tr key={c.id}>
                <td>
                  <a
                    href={`/admin/voc/complaints/${enc(c.id)}`}
                    onClick={(e) => {
                      e.preventDefault();
                      navigate(`/voc/complaints/${enc(c.id)}`);
                    }}
                  >
                    <span dir="ltr">{c.id}</span>
                  </a>
                  <div className="small clamp" dir="auto">
                    {c.description}
                  </div>
                </td>
                <td>{fmtDateTime(c.createdAt, lang)}</td>
                <td>{t(priorityKey(c.priority))}</td>
                <td>{t(statusKey(c.status))}</td>
                <td>
                  <SlaTimer part={c.sla.resolution} paused={c.sla.paused} now={now} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}

interface SurveyResponse {
  responseId: string;
  surveyTitle: string;
  kind: 'nps' | 'csat' | 'ces';
  department: string;
  score: number | null;
  comment: string | null;
  answers: Record<string, string | string[]>;
  answeredAt: string;
  followUpComplaintId: string | null;
}

function SurveyAnswers(props: { externalId: string; role: Role }) {
  const { t, lang } = useI18n();
  const list = useApi<{ items: SurveyResponse[] }>(
    `/v1/surveys/responses?memberExternalId=${enc(props.externalId)}&limit=20`,
  );
  return (
    <Card title={t('mbrSurveyAnswers')} testId="member-surveys">
      {list.error ? (
        <LoadError error={list.error} role={props.role} />
      ) : !list.data ? (
        <Loading />
      ) : list.data.items.length === 0 ? (
        <p className="muted">{t('noResults')}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>{t('date')}</th>
              <th>{t('vocSurveyTitle')}</th>
              <th>{t('vocScore')}</th>
              <th>{t('mbrComment')}</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((r) => (
              <tr key={r.responseId}>
                <td>{fmtDateTime(r.answeredAt, lang)}</td>
                <td>
                  {r.surveyTitle}
                  <div className="muted small">
                    {t(`vocKind_${r.kind}`)} · {t(`vocDept_${r.department}` as MessageKey)}
                  </div>
                </td>
                <td>
                  <strong>{r.score === null ? '—' : fmtNumber(r.score, lang)}</strong>
                </td>
                <td dir="auto">
                  {r.comment ?? '—'}
                  {Object.values(r.answers).length ? (
                    <div className="muted small">
                      {Object.values(r.answers)
                        .map((a) => (Array.isArray(a) ? a.join('، ') : a))
                        .join(' · ')}
                    </div>
                  ) : null}
                  {r.followUpComplaintId ? (
                    <div className="small">
                      <a
                        href={`/admin/voc/complaints/${enc(r.followUpComplaintId)}`}
                        onClick={(e) => {
                          e.preventDefault();
                          navigate(`/voc/complaints/${enc(r.followUpComplaintId!)}`);
                        }}
                      >
                        {t('vocComplaint')} <span dir="ltr">{r.followUpComplaintId}</span>
                      </a>
                    </div>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}

interface Message {
  id: string;
  eventType: string;
  channel: 'sms' | 'email';
  status: 'pending' | 'sent' | 'skipped' | 'dead';
  recipient: string | null;
  subject: string | null;
  body: string | null;
  attempts: number;
  heldUntil: string | null;
  skipReason: string | null;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}

function Messages(props: { externalId: string; role: Role }) {
  const { t, lang } = useI18n();
  const list = useApi<{ items: Message[] }>(`/v1/members/${enc(props.externalId)}/messages?limit=20`);
  return (
    <Card title={t('messages')} testId="member-messages">
      {list.error ? (
        <LoadError error={list.error} role={props.role} />
      ) : !list.data ? (
        <Loading />
      ) : list.data.items.length === 0 ? (
        <p className="muted">{t('noResults')}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>{t('date')}</th>
              <th>{t('event')}</th>
              <th>{t('channel')}</th>
              <th>{t('status')}</th>
              <th>{t('mbrRecipient')}</th>
              <th>{t('mbrText')}</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((m) => (
              <tr key={m.id} data-testid="message-row">
                <td>{fmtDateTime(m.sentAt ?? m.createdAt, lang)}</td>
                <td dir="ltr">{m.eventType}</td>
                <td>{t(`setChannel_${m.channel}`)}</td>
                <td>
                  {t(`mbrMsg_${m.status}`)}
                  {m.skipReason ? <div className="muted small">{m.skipReason}</div> : null}
                  {m.heldUntil ? <div className="muted small">{fmtDateTime(m.heldUntil, lang)}</div> : null}
                  {m.lastError ? <div className="error small">{m.lastError}</div> : null}
                </td>
                <td dir="ltr">{m.recipient ?? '—'}</td>
                <td dir="auto" className="small">
                  {m.subject ? <strong>{m.subject} </strong> : null}
                  {/* Email bodies are HTML: the staff read the words, not the markup. */}
                  {m.body
                    ? m.channel === 'email'
                      ? m.body
                          .replace(/<[^>]*>/g, ' ')
                          .replace(/\s+/g, ' ')
                          .trim()
                      : m.body
                    : '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}
