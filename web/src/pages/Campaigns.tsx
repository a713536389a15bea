import { type FormEvent, useEffect, useState } from 'react';
import { api, enc } from '../api.js';
import { fmtDate, fmtNumber, fmtToman } from '../format.js';
import { useApi } from '../hooks.js';
import { type MessageKey, type T, useI18n } from '../i18n.js';
import { navigate } from '../router.js';
import { Card, Field, LoadError, Loading, type Role } from '../ui.js';
import { OFFER_FIELDS, OFFER_KINDS, offerBody } from './Coupons.js';
import {
  BudgetBar,
  canWriteProgramme,
  DateInput,
  dayToIso,
  GuardrailOverride,
  isoToDay,
  list,
  num,
  ProgrammeTabs,
  rialsToToman,
  tomanToRials,
  useSave,
} from './ProgrammeKit.js';
import type { Reward } from './Rewards.js';

export interface Campaign {
  id: string;
  name: string;
  description: string | null;
  status: 'draft' | 'active' | 'paused' | 'ended';
  startsAt: string;
  endsAt: string;
  segment: Record<string, unknown>;
  grant: Record<string, unknown>;
  budgetPoints: number | null;
  budgetRials: number | null;
  spentPoints: number;
  spentRials: number;
  grantsCount: number;
  capPerMemberPoints: number | null;
  capPerMemberRials: number | null;
  capPerMemberGrants: number | null;
  controlSharePct: number;
  seed: string;
  exclusivityKey: string | null;
  depthPct: number;
  couponBatchId: string | null;
  guardrailOverride: { reason: string; author: string | null } | null;
  target: { treated: number; control: number };
  createdAt: string;
}

/** The RFM segments of the analytics module (src/modules/analytics/rfm.ts), as the API spells them. */
export const RFM_SEGMENTS = [
  'Champions',
  'Loyal',
  'Potential Loyalists',
  'New Customers',
  'Promising',
  'Need Attention',
  'About to Sleep',
  'Cannot Lose Them',
  'At Risk',
  'Hibernating',
  'Lost',
] as const;
export const rfmKey = (s: string) => `pgRfm_${s.replace(/\s+/g, '')}` as MessageKey;

type GrantKind = 'points' | 'coupon' | 'reward' | 'purchase_prize';
const GRANT_KINDS: ReadonlyArray<GrantKind> = ['points', 'coupon', 'reward', 'purchase_prize'];

/** Segment boxes: how each is typed and sent. */
const SEGMENT_INPUTS: Array<{
  key: string;
  label: MessageKey;
  type: 'list' | 'day' | 'dayEnd' | 'int' | 'toman' | 'ratio';
}> = [
  { key: 'cities', label: 'pgCities', type: 'list' },
  { key: 'provinces', label: 'pgProvinces', type: 'list' },
  { key: 'lastOrderAfter', label: 'pgLastOrderAfter', type: 'day' },
  { key: 'lastOrderBefore', label: 'pgLastOrderBefore', type: 'dayEnd' },
  { key: 'minOrders', label: 'pgMinOrders', type: 'int' },
  { key: 'maxOrders', label: 'pgMaxOrders', type: 'int' },
  { key: 'minSpendRials', label: 'pgMinSpend', type: 'toman' },
  { key: 'maxSpendRials', label: 'pgMaxSpend', type: 'toman' },
  { key: 'minEligibilityScore', label: 'pgMinEligibilityScore', type: 'int' },
  { key: 'minPAlive', label: 'pgMinPAlive', type: 'ratio' },
  { key: 'maxPAlive', label: 'pgMaxPAlive', type: 'ratio' },
  { key: 'minClvRials', label: 'pgMinClv', type: 'toman' },
];

interface Draft {
  name: string;
  description: string;
  startsAt: string;
  endsAt: string;
  seg: Record<string, string>;
  segTiers: string[];
  segRfm: string[];
  eligibleOnly: boolean;
  churnRiskOnly: boolean;
  grantKind: GrantKind;
  grant: Record<string, string>;
  couponKind: (typeof OFFER_KINDS)[number];
  budgetPoints: string;
  budgetRials: string;
  capPerMemberPoints: string;
  capPerMemberRials: string;
  capPerMemberGrants: string;
  controlSharePct: string;
  seed: string;
  exclusivityKey: string;
  overrideReason: string;
}

const emptyDraft = (): Draft => ({
  name: '',
  description: '',
  startsAt: '',
  endsAt: '',
  seg: {},
  segTiers: [],
  segRfm: [],
  eligibleOnly: false,
  churnRiskOnly: false,
  grantKind: 'points',
  grant: {},
  couponKind: 'percent',
  budgetPoints: '',
  budgetRials: '',
  capPerMemberPoints: '',
  capPerMemberRials: '',
  capPerMemberGrants: '1',
  controlSharePct: '10',
  seed: '',
  exclusivityKey: '',
  overrideReason: '',
});

const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));

/** A campaign as a new draft (the API keeps campaigns as created; a change is a new draft). */
function copyDraft(c: Campaign, t: T): Draft {
  const s = c.segment;
  const seg: Record<string, string> = {};
  for (const f of SEGMENT_INPUTS) {
    const v = s[f.key];
    if (v === undefined) continue;
    seg[f.key] =
      f.type === 'list'
        ? (v as string[]).join('، ')
        : f.type === 'day' || f.type === 'dayEnd'
          ? isoToDay(String(v))
          : f.type === 'toman'
            ? rialsToToman(Number(v))
            : String(v);
  }
  const g = c.grant;
  const coupon = (g.coupon ?? {}) as Record<string, unknown>;
  const grant: Record<string, string> = {};
  if (g.kind === 'points') grant.points = str(g.points);
  if (g.kind === 'reward') grant.rewardId = str(g.rewardId);
  if (g.kind === 'purchase_prize')
    Object.assign(grant, {
      sku: str(g.sku),
      buyQuantity: str(g.buyQuantity),
      freeQuantity: str(g.freeQuantity),
    });
  if (g.kind === 'coupon') {
    for (const k of ['percent', 'giftSku', 'validDays']) grant[k] = str(coupon[k]);
    for (const k of ['amountRials', 'maxDiscountRials', 'giftValueRials', 'minCartRials'])
      grant[k] = coupon[k] === undefined ? '' : rialsToToman(Number(coupon[k]));
    grant.categories = ((coupon.categories as string[] | undefined) ?? []).join('، ');
  }
  return {
    ...emptyDraft(),
    name: t('pgCopyOf', { name: c.name }),
    description: c.description ?? '',
    startsAt: isoToDay(c.startsAt),
    endsAt: isoToDay(c.endsAt),
    seg,
    segTiers: (s.tiers as string[] | undefined) ?? [],
    segRfm: (s.rfmSegments as string[] | undefined) ?? [],
    eligibleOnly: s.eligibleOnly === true,
    churnRiskOnly: s.churnRiskOnly === true,
    grantKind: g.kind as GrantKind,
    grant,
    couponKind: (coupon.kind as Draft['couponKind']) ?? 'percent',
    budgetPoints: str(c.budgetPoints),
    budgetRials: rialsToToman(c.budgetRials),
    capPerMemberPoints: str(c.capPerMemberPoints),
    capPerMemberRials: rialsToToman(c.capPerMemberRials),
    capPerMemberGrants: str(c.capPerMemberGrants ?? 1),
    controlSharePct: str(c.controlSharePct),
    exclusivityKey: c.exclusivityKey ?? '',
  };
}

function segmentBody(d: Draft): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of SEGMENT_INPUTS) {
    const raw = (d.seg[f.key] ?? '').trim();
    if (raw === '') continue;
    out[f.key] =
      f.type === 'list'
        ? list(raw)
        : f.type === 'day'
          ? dayToIso(raw)
          : f.type === 'dayEnd'
            ? dayToIso(raw, true)
            : f.type === 'toman'
              ? tomanToRials(raw)
              : num(raw);
  }
  if (d.segTiers.length) out.tiers = d.segTiers;
  if (d.segRfm.length) out.rfmSegments = d.segRfm;
  if (d.eligibleOnly) out.eligibleOnly = true;
  if (d.churnRiskOnly) out.churnRiskOnly = true;
  return out;
}

function grantBody(d: Draft): Record<string, unknown> {
  const g = d.grant;
  if (d.grantKind === 'points') return { kind: 'points', points: num(g.points ?? '') };
  if (d.grantKind === 'reward') return { kind: 'reward', rewardId: g.rewardId ?? '' };
  if (d.grantKind === 'purchase_prize')
    return {
      kind: 'purchase_prize',
      sku: g.sku ?? '',
      buyQuantity: num(g.buyQuantity ?? ''),
      freeQuantity: num(g.freeQuantity ?? ''),
    };
  const coupon = offerBody(d.couponKind, g);
  if ((g.validDays ?? '').trim()) coupon.validDays = num(g.validDays!);
  return { kind: 'coupon', coupon };
}

function toBody(d: Draft) {
  return {
    name: d.name,
    ...(d.description.trim() ? { description: d.description } : {}),
    startsAt: dayToIso(d.startsAt),
    endsAt: dayToIso(d.endsAt, true),
    segment: segmentBody(d),
    grant: grantBody(d),
    budgetPoints: num(d.budgetPoints),
    budgetRials: tomanToRials(d.budgetRials),
    capPerMemberPoints: num(d.capPerMemberPoints),
    capPerMemberRials: tomanToRials(d.capPerMemberRials),
    capPerMemberGrants: num(d.capPerMemberGrants),
    controlSharePct: num(d.controlSharePct),
    ...(d.seed.trim() ? { seed: d.seed.trim() } : {}),
    ...(d.exclusivityKey.trim() ? { exclusivityKey: d.exclusivityKey.trim() } : {}),
    ...(d.overrideReason.trim() ? { guardrailOverride: { reason: d.overrideReason } } : {}),
  };
}

export function grantText(g: Record<string, unknown>, t: T, lang: 'fa' | 'en', rewards?: Reward[]): string {
  if (g.kind === 'points') return t('pgGrantPointsN', { n: fmtNumber(Number(g.points), lang) });
  if (g.kind === 'reward') {
    const r = rewards?.find((x) => x.id === g.rewardId);
    return `${t('pgGrant_reward')}: ${r ? (lang === 'en' && r.nameEn ? r.nameEn : r.nameFa) : str(g.rewardId)}`;
  }
  if (g.kind === 'purchase_prize')
    return t('pgGrantPrize', {
      buy: fmtNumber(Number(g.buyQuantity), lang),
      free: fmtNumber(Number(g.freeQuantity), lang),
      sku: str(g.sku),
    });
  const c = (g.coupon ?? {}) as Record<string, unknown>;
  const parts = [t(`pgOfferKind_${str(c.kind)}` as MessageKey)];
  if (c.percent !== undefined)
    parts.push(`${fmtNumber(Number(c.percent), lang)}${lang === 'fa' ? '٪' : '%'}`);
  if (c.amountRials !== undefined) parts.push(fmtToman(Number(c.amountRials), lang));
  if (c.maxDiscountRials !== undefined)
    parts.push(t('pgUpTo', { amount: fmtToman(Number(c.maxDiscountRials), lang) }));
  return `${t('pgGrant_coupon')}: ${parts.join(' · ')}`;
}

export function CampaignsPage(props: { role: Role }) {
  const { t, lang } = useI18n();
  const campaigns = useApi<{ items: Campaign[] }>('/v1/campaigns');
  const rewards = useApi<{ items: Reward[] }>('/v1/rewards');
  const canEdit = canWriteProgramme(props.role);
  const [draft, setDraft] = useState<Draft | null>(null);

  // "Copy as a new draft" from a campaign's page arrives as ?copy=<id>.
  const copyId = new URLSearchParams(window.location.search).get('copy');
  const loaded = campaigns.data;
  useEffect(() => {
    if (!copyId || !loaded || !canEdit) return;
    const c = loaded.items.find((x) => x.id === copyId);
    if (c) setDraft(copyDraft(c, t));
    window.history.replaceState(null, '', window.location.pathname);
  }, [copyId, loaded, canEdit, t]);

  if (campaigns.error) return <LoadError error={campaigns.error} role={props.role} />;
  return (
    <div className="page">
      <ProgrammeTabs current="/programme/campaigns" />
      <h1>{t('pgCampaignsTitle')}</h1>
      <p className="muted">{t('pgCampaignsHelp')}</p>
      {canEdit && !draft ? (
        <button type="button" onClick={() => setDraft(emptyDraft())}>
          {t('pgNewCampaign')}
        </button>
      ) : null}
      {draft ? (
        <CampaignForm
          initial={draft}
          role={props.role}
          rewards={rewards.data?.items ?? []}
          onCancel={() => setDraft(null)}
          onSaved={(id) => navigate(`/programme/campaigns/${enc(id)}`)}
        />
      ) : null}
      <Card>
        {!loaded ? (
          <Loading />
        ) : loaded.items.length === 0 ? (
          <p className="muted">{t('pgNoCampaigns')}</p>
        ) : (
          <table data-testid="campaigns-table">
            <thead>
              <tr>
                <th>{t('name')}</th>
                <th>{t('status')}</th>
                <th>{t('pgWindow')}</th>
                <th>{t('pgGrant')}</th>
                <th>{t('pgTarget')}</th>
                <th>{t('pgSpentOfBudget')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {loaded.items.map((c) => (
                <tr key={c.id}>
                  <td>
                    <a
                      href={`/admin/programme/campaigns/${enc(c.id)}`}
                      onClick={(e) => {
                        e.preventDefault();
                        navigate(`/programme/campaigns/${enc(c.id)}`);
                      }}
                    >
                      {c.name}
                    </a>
                  </td>
                  <td>
                    <span className={`pg-status pg-status-${c.status}`}>
                      {t(`pgStatus_${c.status}` as MessageKey)}
                    </span>
                  </td>
                  <td>
                    {fmtDate(c.startsAt, lang)} – {fmtDate(c.endsAt, lang)}
                  </td>
                  <td>{grantText(c.grant, t, lang, rewards.data?.items)}</td>
                  <td>
                    {t('pgTreatedControl', {
                      treated: fmtNumber(c.target.treated, lang),
                      control: fmtNumber(c.target.control, lang),
                    })}
                  </td>
                  <td>
                    {c.budgetPoints !== null || c.spentPoints > 0 ? (
                      <BudgetBar
                        spent={c.spentPoints}
                        budget={c.budgetPoints}
                        format={(n) => t('pgPointsN', { n: fmtNumber(n, lang) })}
                      />
                    ) : null}
                    {c.budgetRials !== null || c.spentRials > 0 ? (
                      <BudgetBar
                        spent={c.spentRials}
                        budget={c.budgetRials}
                        format={(n) => fmtToman(n, lang)}
                      />
                    ) : null}
                    {c.budgetPoints === null && c.budgetRials === null && !c.spentPoints && !c.spentRials
                      ? t('pgNoLimit')
                      : null}
                  </td>
                  <td>
                    {canEdit ? (
                      <button type="button" className="link" onClick={() => setDraft(copyDraft(c, t))}>
                        {t('pgCopy')}
                      </button>
                    ) : null}
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

function CampaignForm(props: {
  initial: Draft;
  role: Role;
  rewards: Reward[];
  onCancel: () => void;
  onSaved: (id: string) => void;
}) {
  const { t, lang } = useI18n();
  const [d, setD] = useState<Draft>(props.initial);
  const tiers = useApi<{ tiers: Array<{ key: string; name: { fa: string; en: string } }> }>('/v1/tiers');
  const save = useSave();
  const preview = useSave();
  const [previewed, setPreviewed] = useState<{ members: number; sample: string[] } | null>(null);
  const set = (patch: Partial<Draft>) => setD({ ...d, ...patch });
  const setSeg = (k: string, v: string) => setD({ ...d, seg: { ...d.seg, [k]: v } });
  const setGrant = (k: string, v: string) => setD({ ...d, grant: { ...d.grant, [k]: v } });
  // A segment box shows the save's message, or the preview's (whose fields have no "segment." prefix).
  const fe = (f: string) =>
    save.fe(f) ?? (f.startsWith('segment.') ? preview.fe(f.slice('segment.'.length)) : undefined);

  async function submit(e: FormEvent) {
    e.preventDefault();
    let id = '';
    const ok = await save.run(async () => {
      id = (await api<Campaign>('POST', '/v1/campaigns', toBody(d))).id;
    });
    if (ok) props.onSaved(id);
  }
  async function runPreview() {
    setPreviewed(null);
    await preview.run(async () => {
      setPreviewed(await api('POST', '/v1/segments/preview', segmentBody(d)));
    });
  }

  const input = (name: string, value: string, onChange: (v: string) => void, ltr = true) => (
    <input
      name={name}
      dir={ltr ? 'ltr' : undefined}
      value={value}
      onChange={(e) => onChange(e.target.value)}
    />
  );
  const grantFields: Array<{ key: string; label: MessageKey; toman?: boolean }> =
    d.grantKind === 'points'
      ? [{ key: 'points', label: 'pointsField' }]
      : d.grantKind === 'purchase_prize'
        ? [
            { key: 'sku', label: 'sku' },
            { key: 'buyQuantity', label: 'pgBuyQuantity' },
            { key: 'freeQuantity', label: 'pgFreeQuantity' },
          ]
        : d.grantKind === 'coupon'
          ? [
              ...OFFER_FIELDS[d.couponKind],
              { key: 'minCartRials', label: 'pgMinCart', toman: true },
              { key: 'categories', label: 'categories' },
              { key: 'validDays', label: 'pgCodeValidDays' },
            ]
          : [];
  const grantPath = (key: string) => (d.grantKind === 'coupon' ? `grant.coupon.${key}` : `grant.${key}`);
  const known = [
    'name',
    'description',
    'startsAt',
    'endsAt',
    'grant.kind',
    'grant.rewardId',
    'grant.coupon.kind',
    'budgetPoints',
    'budgetRials',
    'capPerMemberPoints',
    'capPerMemberRials',
    'capPerMemberGrants',
    'controlSharePct',
    'seed',
    'exclusivityKey',
    'guardrailOverride.reason',
    'guardrailOverride',
    ...SEGMENT_INPUTS.map((f) => `segment.${f.key}`),
    ...grantFields.map((f) => grantPath(f.key)),
  ];

  return (
    <Card title={t('pgNewCampaign')} testId="campaign-form">
      <form onSubmit={submit} noValidate>
        <div className="form-grid">
          <Field name="name" label={t('name')} error={fe('name')}>
            {input('name', d.name, (v) => set({ name: v }), false)}
          </Field>
          <Field name="startsAt" label={t('pgStartsAt')} error={fe('startsAt')}>
            <DateInput name="startsAt" value={d.startsAt} onChange={(v) => set({ startsAt: v })} />
          </Field>
          <Field name="endsAt" label={t('pgEndsAt')} error={fe('endsAt')}>
            <DateInput name="endsAt" value={d.endsAt} onChange={(v) => set({ endsAt: v })} />
          </Field>
          <Field name="description" label={t('pgDescription')} error={fe('description')}>
            <textarea
              name="description"
              rows={2}
              value={d.description}
              onChange={(e) => set({ description: e.target.value })}
            />
          </Field>
        </div>

        <h3>{t('pgSegment')}</h3>
        <p className="muted">{t('pgSegmentHelp')}</p>
        <div className="form-grid">
          {SEGMENT_INPUTS.map((f) => (
            <Field
              key={f.key}
              name={`segment.${f.key}`}
              label={f.type === 'toman' ? `${t(f.label)} (${t('toman')})` : t(f.label)}
              error={fe(`segment.${f.key}`)}
            >
              {f.type === 'day' || f.type === 'dayEnd' ? (
                <DateInput
                  name={`segment.${f.key}`}
                  value={d.seg[f.key] ?? ''}
                  onChange={(v) => setSeg(f.key, v)}
                />
              ) : (
                input(`segment.${f.key}`, d.seg[f.key] ?? '', (v) => setSeg(f.key, v), f.type !== 'list')
              )}
            </Field>
          ))}
          <fieldset className="pg-checks pg-wide">
            <legend>{t('pgSegmentTiers')}</legend>
            {(tiers.data?.tiers ?? []).map((tier) => (
              <label key={tier.key} className="check">
                <input
                  type="checkbox"
                  name="segment.tiers"
                  value={tier.key}
                  checked={d.segTiers.includes(tier.key)}
                  onChange={(e) =>
                    set({
                      segTiers: e.target.checked
                        ? [...d.segTiers, tier.key]
                        : d.segTiers.filter((k) => k !== tier.key),
                    })
                  }
                />
                {tier.name[lang]}
              </label>
            ))}
          </fieldset>
          <fieldset className="pg-checks pg-wide">
            <legend>{t('pgRfmSegments')}</legend>
            {RFM_SEGMENTS.map((s) => (
              <label key={s} className="check">
                <input
                  type="checkbox"
                  name="segment.rfmSegments"
                  value={s}
                  checked={d.segRfm.includes(s)}
                  onChange={(e) =>
                    set({ segRfm: e.target.checked ? [...d.segRfm, s] : d.segRfm.filter((k) => k !== s) })
                  }
                />
                {t(rfmKey(s))}
              </label>
            ))}
          </fieldset>
          <label className="check">
            <input
              type="checkbox"
              name="segment.eligibleOnly"
              checked={d.eligibleOnly}
              onChange={(e) => set({ eligibleOnly: e.target.checked })}
            />
            {t('pgEligibleOnly')}
          </label>
          <label className="check">
            <input
              type="checkbox"
              name="segment.churnRiskOnly"
              checked={d.churnRiskOnly}
              onChange={(e) => set({ churnRiskOnly: e.target.checked })}
            />
            {t('pgChurnRiskOnly')}
          </label>
          <div className="actions">
            <button type="button" className="secondary" onClick={runPreview} data-testid="segment-preview">
              {t('pgPreviewSegment')}
            </button>
            {previewed ? (
              <span className="ok" data-testid="segment-count">
                {t('pgSegmentMembers', { n: fmtNumber(previewed.members, lang) })}
                {previewed.members > 0 && d.controlSharePct
                  ? ` · ${t('pgControlAbout', {
                      n: fmtNumber(
                        Math.round((previewed.members * Number(num(d.controlSharePct) ?? 0)) / 100),
                        lang,
                      ),
                    })}`
                  : ''}
              </span>
            ) : null}
            {preview.error && !preview.error.problem.errors?.length ? (
              <span className="error">{preview.error.problem.detail}</span>
            ) : null}
          </div>
        </div>

        <h3>{t('pgGrant')}</h3>
        <div className="form-grid">
          <Field name="grant.kind" label={t('kind')} error={fe('grant.kind')}>
            <select
              name="grant.kind"
              value={d.grantKind}
              onChange={(e) => set({ grantKind: e.target.value as GrantKind, grant: {} })}
            >
              {GRANT_KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`pgGrant_${k}` as MessageKey)}
                </option>
              ))}
            </select>
          </Field>
          {d.grantKind === 'coupon' ? (
            <Field name="grant.coupon.kind" label={t('pgOffer')} error={fe('grant.coupon.kind')}>
              <select
                name="grant.coupon.kind"
                value={d.couponKind}
                onChange={(e) => set({ couponKind: e.target.value as Draft['couponKind'] })}
              >
                {OFFER_KINDS.map((k) => (
                  <option key={k} value={k}>
                    {t(`pgOfferKind_${k}` as MessageKey)}
                  </option>
                ))}
              </select>
            </Field>
          ) : null}
          {d.grantKind === 'reward' ? (
            <Field name="grant.rewardId" label={t('pgReward')} error={fe('grant.rewardId')}>
              <select
                name="grant.rewardId"
                value={d.grant.rewardId ?? ''}
                onChange={(e) => setGrant('rewardId', e.target.value)}
              >
                <option value="">—</option>
                {props.rewards
                  .filter((r) => r.isActive)
                  .map((r) => (
                    <option key={r.id} value={r.id}>
                      {lang === 'en' && r.nameEn ? r.nameEn : r.nameFa}
                    </option>
                  ))}
              </select>
            </Field>
          ) : null}
          {grantFields.map((f) => (
            <Field
              key={f.key}
              name={grantPath(f.key)}
              label={f.toman ? `${t(f.label)} (${t('toman')})` : t(f.label)}
              error={fe(grantPath(f.key))}
            >
              {input(
                grantPath(f.key),
                d.grant[f.key] ?? '',
                (v) => setGrant(f.key, v),
                f.key !== 'categories',
              )}
            </Field>
          ))}
        </div>

        <h3>{t('pgBudgetAndControl')}</h3>
        <div className="form-grid">
          <Field name="budgetPoints" label={t('pgBudgetPoints')} error={fe('budgetPoints')}>
            {input('budgetPoints', d.budgetPoints, (v) => set({ budgetPoints: v }))}
          </Field>
          <Field name="budgetRials" label={`${t('pgBudget')} (${t('toman')})`} error={fe('budgetRials')}>
            {input('budgetRials', d.budgetRials, (v) => set({ budgetRials: v }))}
          </Field>
          <Field name="capPerMemberGrants" label={t('pgCapGrants')} error={fe('capPerMemberGrants')}>
            {input('capPerMemberGrants', d.capPerMemberGrants, (v) => set({ capPerMemberGrants: v }))}
          </Field>
          <Field name="capPerMemberPoints" label={t('pgCapPoints')} error={fe('capPerMemberPoints')}>
            {input('capPerMemberPoints', d.capPerMemberPoints, (v) => set({ capPerMemberPoints: v }))}
          </Field>
          <Field
            name="capPerMemberRials"
            label={`${t('pgCapRials')} (${t('toman')})`}
            error={fe('capPerMemberRials')}
          >
            {input('capPerMemberRials', d.capPerMemberRials, (v) => set({ capPerMemberRials: v }))}
          </Field>
          <Field name="controlSharePct" label={t('pgControlShare')} error={fe('controlSharePct')}>
            {input('controlSharePct', d.controlSharePct, (v) => set({ controlSharePct: v }))}
          </Field>
          <Field name="seed" label={t('pgSeed')} error={fe('seed')}>
            <input
              name="seed"
              dir="ltr"
              placeholder={t('pgSeedHelp')}
              value={d.seed}
              onChange={(e) => set({ seed: e.target.value })}
            />
          </Field>
          <Field name="exclusivityKey" label={t('pgExclusivityKey')} error={fe('exclusivityKey')}>
            {input('exclusivityKey', d.exclusivityKey, (v) => set({ exclusivityKey: v }))}
          </Field>
          <GuardrailOverride
            role={props.role}
            save={save}
            reason={d.overrideReason}
            onReason={(v) => set({ overrideReason: v })}
            fields={known}
          />
          {save.error?.problem.errors?.length ? (
            <p className="error pg-wide" role="alert" data-testid="form-invalid">
              {t('pgFixFields', { n: fmtNumber(save.error.problem.errors.length, lang) })}
            </p>
          ) : null}
          <div className="actions">
            <button type="submit" disabled={save.busy}>
              {t('pgSaveDraft')}
            </button>
            <button type="button" className="secondary" onClick={props.onCancel}>
              {t('cancel')}
            </button>
          </div>
        </div>
      </form>
    </Card>
  );
}
