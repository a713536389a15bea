import { type FormEvent, useState } from 'react';
import { api, enc } from '../api.js';
import { fmtDate, fmtNumber, fmtToman } from '../format.js';
import { useApi } from '../hooks.js';
import { type MessageKey, useI18n } from '../i18n.js';
import { Card, Field, LoadError, Loading, type Role } from '../ui.js';
import {
  canWriteProgramme,
  DateInput,
  dayToIso,
  FormError,
  GuardrailOverride,
  isoToDay,
  list,
  num,
  ProgrammeTabs,
  rialsToToman,
  tomanToRials,
  useSave,
} from './ProgrammeKit.js';

export const REWARD_KINDS = [
  'fixed_discount',
  'percent_discount',
  'free_shipping',
  'gift_item',
  'raffle_ticket',
  'donation',
] as const;
type Kind = (typeof REWARD_KINDS)[number];

export interface Reward {
  id: string;
  kind: Kind;
  nameFa: string;
  nameEn: string | null;
  description: string | null;
  costPoints: number;
  config: Record<string, unknown>;
  stock: number | null;
  issued: number;
  remaining: number | null;
  limitPerMember: number | null;
  validFrom: string | null;
  validTo: string | null;
  couponValidDays: number;
  targetTiers: string[];
  isActive: boolean;
}

interface ConfigField {
  key: string;
  label: MessageKey;
  /** toman: typed in Toman, sent in rials; list: comma-separated; text: as typed. */
  type: 'toman' | 'number' | 'list' | 'text' | 'raffle';
}

/** The config each kind needs (the API names a missing one in place). */
const CONFIG: Record<Kind, ConfigField[]> = {
  fixed_discount: [
    { key: 'amountRials', label: 'pgAmountOff', type: 'toman' },
    { key: 'minCartRials', label: 'pgMinCart', type: 'toman' },
    { key: 'categories', label: 'categories', type: 'list' },
  ],
  percent_discount: [
    { key: 'percent', label: 'pgPercentOff', type: 'number' },
    { key: 'maxDiscountRials', label: 'pgMaxDiscount', type: 'toman' },
    { key: 'minCartRials', label: 'pgMinCart', type: 'toman' },
    { key: 'categories', label: 'categories', type: 'list' },
  ],
  free_shipping: [{ key: 'minCartRials', label: 'pgMinCart', type: 'toman' }],
  gift_item: [
    { key: 'giftSku', label: 'pgGiftSku', type: 'text' },
    { key: 'giftValueRials', label: 'pgGiftValue', type: 'toman' },
    { key: 'minCartRials', label: 'pgMinCart', type: 'toman' },
  ],
  raffle_ticket: [{ key: 'raffleId', label: 'pgRaffle', type: 'raffle' }],
  donation: [
    { key: 'cause', label: 'pgCause', type: 'text' },
    { key: 'donationRials', label: 'pgDonation', type: 'toman' },
  ],
};

interface Draft {
  id: string | null;
  kind: Kind;
  nameFa: string;
  nameEn: string;
  description: string;
  costPoints: string;
  config: Record<string, string>;
  stock: string;
  limitPerMember: string;
  validFrom: string;
  validTo: string;
  couponValidDays: string;
  targetTiers: string[];
  isActive: boolean;
  overrideReason: string;
}

const emptyDraft = (): Draft => ({
  id: null,
  kind: 'fixed_discount',
  nameFa: '',
  nameEn: '',
  description: '',
  costPoints: '',
  config: {},
  stock: '',
  limitPerMember: '',
  validFrom: '',
  validTo: '',
  couponValidDays: '30',
  targetTiers: [],
  isActive: true,
  overrideReason: '',
});

function toDraft(r: Reward): Draft {
  const config: Record<string, string> = {};
  for (const f of CONFIG[r.kind]) {
    const v = r.config[f.key];
    if (v === undefined || v === null) continue;
    config[f.key] =
      f.type === 'toman' ? rialsToToman(Number(v)) : Array.isArray(v) ? v.join('، ') : String(v);
  }
  return {
    id: r.id,
    kind: r.kind,
    nameFa: r.nameFa,
    nameEn: r.nameEn ?? '',
    description: r.description ?? '',
    costPoints: String(r.costPoints),
    config,
    stock: r.stock === null ? '' : String(r.stock),
    limitPerMember: r.limitPerMember === null ? '' : String(r.limitPerMember),
    validFrom: isoToDay(r.validFrom),
    validTo: isoToDay(r.validTo),
    couponValidDays: String(r.couponValidDays),
    targetTiers: r.targetTiers,
    isActive: r.isActive,
    overrideReason: '',
  };
}

function toBody(d: Draft) {
  const config: Record<string, unknown> = {};
  for (const f of CONFIG[d.kind]) {
    const raw = (d.config[f.key] ?? '').trim();
    if (raw === '') continue;
    config[f.key] =
      f.type === 'toman'
        ? tomanToRials(raw)
        : f.type === 'number'
          ? num(raw)
          : f.type === 'list'
            ? list(raw)
            : raw;
  }
  return {
    kind: d.kind,
    nameFa: d.nameFa,
    ...(d.nameEn.trim() ? { nameEn: d.nameEn } : {}),
    ...(d.description.trim() ? { description: d.description } : {}),
    costPoints: num(d.costPoints),
    config,
    stock: d.stock.trim() === '' ? null : num(d.stock),
    limitPerMember: d.limitPerMember.trim() === '' ? null : num(d.limitPerMember),
    validFrom: dayToIso(d.validFrom),
    validTo: dayToIso(d.validTo, true),
    couponValidDays: num(d.couponValidDays),
    targetTiers: d.targetTiers,
    isActive: d.isActive,
    ...(d.overrideReason.trim() ? { guardrailOverride: { reason: d.overrideReason } } : {}),
  };
}

/** The definition the API takes back from what it gave, for a one-field change (deactivate). */
function rewardInput(r: Reward, patch: Partial<Reward>) {
  const x = { ...r, ...patch };
  return {
    kind: x.kind,
    nameFa: x.nameFa,
    ...(x.nameEn ? { nameEn: x.nameEn } : {}),
    ...(x.description ? { description: x.description } : {}),
    costPoints: x.costPoints,
    config: x.config,
    stock: x.stock,
    limitPerMember: x.limitPerMember,
    ...(x.validFrom ? { validFrom: x.validFrom } : {}),
    ...(x.validTo ? { validTo: x.validTo } : {}),
    couponValidDays: x.couponValidDays,
    targetTiers: x.targetTiers,
    isActive: x.isActive,
  };
}

const FORM_FIELDS = [
  'kind',
  'nameFa',
  'nameEn',
  'description',
  'costPoints',
  'stock',
  'limitPerMember',
  'validFrom',
  'validTo',
  'couponValidDays',
  'targetTiers',
  'guardrailOverride.reason',
];

export function RewardsPage(props: { role: Role }) {
  const { t, lang } = useI18n();
  const rewards = useApi<{ items: Reward[] }>('/v1/rewards');
  const tiers = useApi<{ tiers: Array<{ key: string; name: { fa: string; en: string } }> }>('/v1/tiers');
  const raffles = useApi<{ items: Array<{ id: string; name: string; status: string }> }>('/v1/raffles');
  const canEdit = canWriteProgramme(props.role);
  const [draft, setDraft] = useState<Draft | null>(null);
  const save = useSave();
  const toggle = useSave();

  if (rewards.error) return <LoadError error={rewards.error} role={props.role} />;
  const set = (patch: Partial<Draft>) => draft && setDraft({ ...draft, ...patch });
  const tierName = (key: string) => tiers.data?.tiers.find((x) => x.key === key)?.name[lang] ?? key;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!draft) return;
    const body = toBody(draft);
    const ok = await save.run(() =>
      draft.id ? api('PUT', `/v1/rewards/${enc(draft.id)}`, body) : api('POST', '/v1/rewards', body),
    );
    if (ok) {
      setDraft(null);
      rewards.reload();
    }
  }

  return (
    <div className="page">
      <ProgrammeTabs current="/programme/rewards" />
      <h1>{t('pgRewardsTitle')}</h1>
      <p className="muted">{t('pgRewardsHelp')}</p>
      <GuardrailCard role={props.role} />
      {canEdit && !draft ? (
        <button
          type="button"
          onClick={() => {
            save.reset();
            setDraft(emptyDraft());
          }}
        >
          {t('pgNewReward')}
        </button>
      ) : null}
      {save.saved && !draft ? <p className="ok">{t('saved')}</p> : null}
      {draft ? (
        <Card title={draft.id ? t('pgEditReward') : t('pgNewReward')} testId="reward-form">
          <form className="form-grid" onSubmit={submit} noValidate>
            <Field name="kind" label={t('kind')} error={save.fe('kind')}>
              <select
                name="kind"
                value={draft.kind}
                onChange={(e) => set({ kind: e.target.value as Kind, config: {} })}
              >
                {REWARD_KINDS.map((k) => (
                  <option key={k} value={k}>
                    {t(`pgReward_${k}` as MessageKey)}
                  </option>
                ))}
              </select>
            </Field>
            <Field name="nameFa" label={t('pgNameFa')} error={save.fe('nameFa')}>
              <input name="nameFa" value={draft.nameFa} onChange={(e) => set({ nameFa: e.target.value })} />
            </Field>
            <Field name="nameEn" label={t('pgNameEn')} error={save.fe('nameEn')}>
              <input
                name="nameEn"
                dir="ltr"
                value={draft.nameEn}
                onChange={(e) => set({ nameEn: e.target.value })}
              />
            </Field>
            <Field name="costPoints" label={t('pgCostPoints')} error={save.fe('costPoints')}>
              <input
                name="costPoints"
                dir="ltr"
                inputMode="numeric"
                value={draft.costPoints}
                onChange={(e) => set({ costPoints: e.target.value })}
              />
            </Field>
            {CONFIG[draft.kind].map((f) => (
              <Field
                key={f.key}
                name={`config.${f.key}`}
                label={f.type === 'toman' ? `${t(f.label)} (${t('toman')})` : t(f.label)}
                error={save.fe(`config.${f.key}`)}
              >
                {f.type === 'raffle' ? (
                  <select
                    name={`config.${f.key}`}
                    value={draft.config[f.key] ?? ''}
                    onChange={(e) => set({ config: { ...draft.config, [f.key]: e.target.value } })}
                  >
                    <option value="">—</option>
                    {(raffles.data?.items ?? [])
                      .filter((r) => r.status === 'open' || r.id === draft.config[f.key])
                      .map((r) => (
                        <option key={r.id} value={r.id}>
                          {r.name}
                        </option>
                      ))}
                  </select>
                ) : (
                  <input
                    name={`config.${f.key}`}
                    dir={f.type === 'toman' || f.type === 'number' ? 'ltr' : undefined}
                    inputMode={f.type === 'toman' || f.type === 'number' ? 'decimal' : undefined}
                    value={draft.config[f.key] ?? ''}
                    onChange={(e) => set({ config: { ...draft.config, [f.key]: e.target.value } })}
                  />
                )}
              </Field>
            ))}
            <Field name="stock" label={t('pgStock')} error={save.fe('stock')}>
              <input
                name="stock"
                dir="ltr"
                inputMode="numeric"
                placeholder={t('pgEmptyUnlimited')}
                value={draft.stock}
                onChange={(e) => set({ stock: e.target.value })}
              />
            </Field>
            <Field name="limitPerMember" label={t('pgLimitPerMember')} error={save.fe('limitPerMember')}>
              <input
                name="limitPerMember"
                dir="ltr"
                inputMode="numeric"
                placeholder={t('pgEmptyUnlimited')}
                value={draft.limitPerMember}
                onChange={(e) => set({ limitPerMember: e.target.value })}
              />
            </Field>
            <Field name="validFrom" label={t('pgValidFrom')} error={save.fe('validFrom')}>
              <DateInput name="validFrom" value={draft.validFrom} onChange={(v) => set({ validFrom: v })} />
            </Field>
            <Field name="validTo" label={t('pgValidTo')} error={save.fe('validTo')}>
              <DateInput name="validTo" value={draft.validTo} onChange={(v) => set({ validTo: v })} />
            </Field>
            <Field name="couponValidDays" label={t('pgCouponValidDays')} error={save.fe('couponValidDays')}>
              <input
                name="couponValidDays"
                dir="ltr"
                inputMode="numeric"
                value={draft.couponValidDays}
                onChange={(e) => set({ couponValidDays: e.target.value })}
              />
            </Field>
            <Field name="description" label={t('pgDescription')} error={save.fe('description')}>
              <textarea
                name="description"
                rows={2}
                value={draft.description}
                onChange={(e) => set({ description: e.target.value })}
              />
            </Field>
            <fieldset className="pg-wide pg-checks" data-field="targetTiers">
              <legend>{t('pgTargetTiers')}</legend>
              {(tiers.data?.tiers ?? []).map((tier) => (
                <label key={tier.key} className="check">
                  <input
                    type="checkbox"
                    name="targetTiers"
                    value={tier.key}
                    checked={draft.targetTiers.includes(tier.key)}
                    onChange={(e) =>
                      set({
                        targetTiers: e.target.checked
                          ? [...draft.targetTiers, tier.key]
                          : draft.targetTiers.filter((k) => k !== tier.key),
                      })
                    }
                  />
                  {tier.name[lang]}
                </label>
              ))}
              <small className="muted">{t('pgTargetTiersHelp')}</small>
            </fieldset>
            <label className="check">
              <input
                type="checkbox"
                name="isActive"
                checked={draft.isActive}
                onChange={(e) => set({ isActive: e.target.checked })}
              />
              {t('active')}
            </label>
            <GuardrailOverride
              role={props.role}
              save={save}
              reason={draft.overrideReason}
              onReason={(v) => set({ overrideReason: v })}
              fields={[...FORM_FIELDS, ...CONFIG[draft.kind].map((f) => `config.${f.key}`)]}
            />
            <div className="actions">
              <button type="submit" disabled={save.busy}>
                {t('save')}
              </button>
              <button
                type="button"
                className="secondary"
                onClick={() => {
                  save.reset();
                  setDraft(null);
                }}
              >
                {t('cancel')}
              </button>
            </div>
          </form>
        </Card>
      ) : null}
      <FormError error={toggle.error} />
      <Card>
        {!rewards.data ? (
          <Loading />
        ) : rewards.data.items.length === 0 ? (
          <p className="muted">{t('pgNoRewards')}</p>
        ) : (
          <table data-testid="rewards-table">
            <thead>
              <tr>
                <th>{t('name')}</th>
                <th>{t('kind')}</th>
                <th>{t('pgCostPoints')}</th>
                <th>{t('pgOffer')}</th>
                <th>{t('pgStock')}</th>
                <th>{t('pgTargetTiers')}</th>
                <th>{t('pgWindow')}</th>
                <th>{t('status')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {rewards.data.items.map((r) => (
                <tr key={r.id} className={r.isActive ? '' : 'pg-inactive'}>
                  <td>{lang === 'en' && r.nameEn ? r.nameEn : r.nameFa}</td>
                  <td>{t(`pgReward_${r.kind}` as MessageKey)}</td>
                  <td>{r.costPoints === 0 ? t('pgFree') : fmtNumber(r.costPoints, lang)}</td>
                  <td>{offerText(r)}</td>
                  <td>
                    {r.stock === null
                      ? t('pgUnlimited')
                      : t('pgStockLeft', {
                          left: fmtNumber(r.remaining ?? 0, lang),
                          total: fmtNumber(r.stock, lang),
                        })}
                    <br />
                    <small className="muted">{t('pgIssued', { n: fmtNumber(r.issued, lang) })}</small>
                  </td>
                  <td>{r.targetTiers.length ? r.targetTiers.map(tierName).join('، ') : t('pgAllTiers')}</td>
                  <td>
                    {r.validFrom || r.validTo
                      ? `${fmtDate(r.validFrom, lang)} – ${fmtDate(r.validTo, lang)}`
                      : '—'}
                  </td>
                  <td>{r.isActive ? t('active') : t('pgInactive')}</td>
                  <td className="pg-row-actions">
                    {canEdit ? (
                      <>
                        <button
                          type="button"
                          className="link"
                          onClick={() => {
                            save.reset();
                            setDraft(toDraft(r));
                          }}
                        >
                          {t('edit')}
                        </button>
                        <button
                          type="button"
                          className="link"
                          onClick={async () => {
                            if (
                              await toggle.run(() =>
                                api(
                                  'PUT',
                                  `/v1/rewards/${enc(r.id)}`,
                                  rewardInput(r, { isActive: !r.isActive }),
                                ),
                              )
                            )
                              rewards.reload();
                          }}
                        >
                          {r.isActive ? t('pgDeactivate') : t('pgActivate')}
                        </button>
                      </>
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

  function offerText(r: Reward): string {
    const c = r.config as Record<string, number | string | string[] | undefined>;
    const rials = (k: string) => fmtToman(Number(c[k] ?? 0), lang);
    const parts: string[] = [];
    if (r.kind === 'fixed_discount') parts.push(t('pgOfferFixed', { amount: rials('amountRials') }));
    if (r.kind === 'percent_discount') {
      parts.push(t('pgOfferPercent', { percent: fmtNumber(Number(c.percent ?? 0), lang) }));
      if (c.maxDiscountRials !== undefined) parts.push(t('pgUpTo', { amount: rials('maxDiscountRials') }));
    }
    if (r.kind === 'gift_item') parts.push(String(c.giftSku ?? ''));
    if (r.kind === 'raffle_ticket')
      parts.push(raffles.data?.items.find((x) => x.id === c.raffleId)?.name ?? String(c.raffleId ?? ''));
    if (r.kind === 'donation') parts.push(`${c.cause ?? ''} · ${rials('donationRials')}`);
    if (c.minCartRials) parts.push(t('pgMinCartOf', { amount: rials('minCartRials') }));
    if (Array.isArray(c.categories) && c.categories.length) parts.push(c.categories.join('، '));
    return parts.filter(Boolean).join(' · ') || '—';
  }
}

/** The club's discount guardrail: read by everyone who sees rewards; changed by the owner only (server rule). */
function GuardrailCard(props: { role: Role }) {
  const { t, lang } = useI18n();
  const { data, reload } = useApi<{ maxDiscountPct: number; releaseOnReturn: boolean }>(
    '/v1/discount-settings',
  );
  const [draft, setDraft] = useState<{ maxDiscountPct: string; releaseOnReturn: boolean } | null>(null);
  const save = useSave();
  if (!data) return null;
  return (
    <Card title={t('pgGuardrail')} testId="guardrail">
      {!draft ? (
        <p>
          {t('pgGuardrailNow', { pct: fmtNumber(data.maxDiscountPct, lang) })} ·{' '}
          {data.releaseOnReturn ? t('pgReleaseOnReturnYes') : t('pgReleaseOnReturnNo')}{' '}
          {props.role === 'owner' ? (
            <button
              type="button"
              className="link"
              onClick={() => {
                save.reset();
                setDraft({
                  maxDiscountPct: String(data.maxDiscountPct),
                  releaseOnReturn: data.releaseOnReturn,
                });
              }}
            >
              {t('edit')}
            </button>
          ) : null}
        </p>
      ) : (
        <form
          className="inline-form"
          noValidate
          onSubmit={async (e) => {
            e.preventDefault();
            const ok = await save.run(() =>
              api('PATCH', '/v1/discount-settings', {
                maxDiscountPct: num(draft.maxDiscountPct),
                releaseOnReturn: draft.releaseOnReturn,
              }),
            );
            if (ok) {
              setDraft(null);
              reload();
            }
          }}
        >
          <Field name="maxDiscountPct" label={t('pgMaxDiscountPct')} error={save.fe('maxDiscountPct')}>
            <input
              name="maxDiscountPct"
              dir="ltr"
              inputMode="numeric"
              value={draft.maxDiscountPct}
              onChange={(e) => setDraft({ ...draft, maxDiscountPct: e.target.value })}
            />
          </Field>
          <label className="check">
            <input
              type="checkbox"
              checked={draft.releaseOnReturn}
              onChange={(e) => setDraft({ ...draft, releaseOnReturn: e.target.checked })}
            />
            {t('pgReleaseOnReturn')}
          </label>
          <button type="submit">{t('save')}</button>
          <button type="button" className="secondary" onClick={() => setDraft(null)}>
            {t('cancel')}
          </button>
          <FormError error={save.error} fields={['maxDiscountPct', 'releaseOnReturn']} />
        </form>
      )}
      <p className="muted">{t('pgGuardrailHelp')}</p>
    </Card>
  );
}
