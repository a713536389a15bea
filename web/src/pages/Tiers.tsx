import { type FormEvent, useState } from 'react';
import { api } from '../api.js';
import { fmtNumber, fmtToman } from '../format.js';
import { useApi } from '../hooks.js';
import { type MessageKey, useI18n } from '../i18n.js';
import { Card, Field, LoadError, Loading, type Role } from '../ui.js';
import {
  canWriteProgramme,
  FormError,
  num,
  ProgrammeTabs,
  rialsToToman,
  tomanToRials,
  useSave,
} from './ProgrammeKit.js';

type Measure = 'spend' | 'points' | 'orders';

interface Benefits {
  shippingClass: string | null;
  freeShippingThresholdRials: number | null;
  warrantyExtensionMonths: number;
  earningMultiplier: number;
  earlyAccessHours: number;
  perks: Array<{ fa: string; en: string }>;
}

interface Tier {
  key: string;
  rank: number;
  name: { fa: string; en: string };
  threshold: number;
  benefits: Benefits;
}

interface TierList {
  measure: Measure;
  tiers: Tier[];
}

interface TierSettings {
  measure: Measure;
  downgrade: 'review' | 'never';
  graceReviews: number;
  calendar: 'jalali' | 'gregorian';
}

/** One tier as typed: amounts in Toman when the measure is spend; perks one a line, "fa | en". */
interface TierDraft {
  key: string;
  nameFa: string;
  nameEn: string;
  threshold: string;
  shippingClass: string;
  freeShipping: string;
  warranty: string;
  multiplier: string;
  earlyAccess: string;
  perks: string;
}

function toDraft(tier: Tier, measure: Measure): TierDraft {
  const b = tier.benefits;
  return {
    key: tier.key,
    nameFa: tier.name.fa,
    nameEn: tier.name.en,
    threshold: measure === 'spend' ? rialsToToman(tier.threshold) : String(tier.threshold),
    shippingClass: b.shippingClass ?? '',
    freeShipping: rialsToToman(b.freeShippingThresholdRials),
    warranty: b.warrantyExtensionMonths ? String(b.warrantyExtensionMonths) : '',
    multiplier: b.earningMultiplier !== 1 ? String(b.earningMultiplier) : '',
    earlyAccess: b.earlyAccessHours ? String(b.earlyAccessHours) : '',
    perks: b.perks.map((p) => `${p.fa} | ${p.en}`).join('\n'),
  };
}

const blankDraft = (): TierDraft => ({
  key: '',
  nameFa: '',
  nameEn: '',
  threshold: '',
  shippingClass: '',
  freeShipping: '',
  warranty: '',
  multiplier: '',
  earlyAccess: '',
  perks: '',
});

function toBody(drafts: TierDraft[], measure: Measure) {
  return {
    tiers: drafts.map((d) => {
      const benefits: Record<string, unknown> = {
        shippingClass: d.shippingClass.trim() === '' ? null : d.shippingClass.trim(),
        freeShippingThresholdRials: d.freeShipping.trim() === '' ? null : tomanToRials(d.freeShipping),
        warrantyExtensionMonths: num(d.warranty),
        earningMultiplier: num(d.multiplier),
        earlyAccessHours: num(d.earlyAccess),
        // A perk without " | " is the same text in both languages; the API asks for both.
        perks: d.perks
          .split('\n')
          .map((line) => line.trim())
          .filter(Boolean)
          .map((line) => {
            const [fa, en] = line.split('|').map((s) => s.trim());
            return { fa: fa ?? '', en: en ?? fa ?? '' };
          }),
      };
      return {
        key: d.key.trim(),
        name: { fa: d.nameFa, en: d.nameEn },
        threshold: measure === 'spend' ? tomanToRials(d.threshold) : num(d.threshold),
        benefits,
      };
    }),
  };
}

export function TiersPage(props: { role: Role }) {
  const { t, lang } = useI18n();
  const tiers = useApi<TierList>('/v1/tiers');
  const settings = useApi<TierSettings>('/v1/tier-settings');
  const canEdit = canWriteProgramme(props.role);
  const [drafts, setDrafts] = useState<TierDraft[] | null>(null);
  const save = useSave();

  if (tiers.error) return <LoadError error={tiers.error} role={props.role} />;
  if (!tiers.data) return <Loading />;
  const data = tiers.data;
  const measure = data.measure;
  const fmtThreshold = (n: number) => (measure === 'spend' ? fmtToman(n, lang) : fmtNumber(n, lang));
  const unit = measure === 'spend' ? t('toman') : t(`pgUnit_${measure}` as MessageKey);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!drafts) return;
    const ok = await save.run(() => api('PUT', '/v1/tiers', toBody(drafts, measure)));
    if (ok) {
      setDrafts(null);
      tiers.reload();
    }
  }
  const setDraft = (i: number, patch: Partial<TierDraft>) =>
    drafts && setDrafts(drafts.map((d, k) => (k === i ? { ...d, ...patch } : d)));
  const move = (i: number, by: number) => {
    if (!drafts) return;
    const next = [...drafts];
    const [d] = next.splice(i, 1);
    next.splice(i + by, 0, d!);
    setDrafts(next);
  };
  const perksError = (i: number) => {
    const e = save.error?.problem.errors?.find((x) => x.field.startsWith(`tiers.${i}.benefits.perks`));
    return e ? save.fe(e.field) : undefined;
  };

  return (
    <div className="page">
      <ProgrammeTabs current="/programme/tiers" />
      <h1>{t('tiersTitle')}</h1>
      <p className="muted">{t(`measure_${measure}` as MessageKey)}</p>
      {save.saved && !drafts ? <p className="ok">{t('saved')}</p> : null}
      {drafts ? (
        <form onSubmit={submit} noValidate data-testid="tiers-form">
          <p className="muted">{t('pgTiersEditHelp')}</p>
          {drafts.map((d, i) => {
            const f = (name: string) => `tiers.${i}.${name}`;
            return (
              // biome-ignore lint/suspicious/noArrayIndexKey: a tier being typed has no stable key yet.
              <Card key={i} title={t('pgTierN', { n: fmtNumber(i + 1, lang) })} testId={`tier-${i}`}>
                <div className="form-grid">
                  <Field name={f('key')} label={t('pgTierKey')} error={save.fe(f('key'))}>
                    <input
                      name={f('key')}
                      dir="ltr"
                      value={d.key}
                      onChange={(e) => setDraft(i, { key: e.target.value })}
                    />
                  </Field>
                  <Field name={f('name.fa')} label={t('pgNameFa')} error={save.fe(f('name.fa'))}>
                    <input
                      name={f('name.fa')}
                      value={d.nameFa}
                      onChange={(e) => setDraft(i, { nameFa: e.target.value })}
                    />
                  </Field>
                  <Field name={f('name.en')} label={t('pgNameEn')} error={save.fe(f('name.en'))}>
                    <input
                      name={f('name.en')}
                      dir="ltr"
                      value={d.nameEn}
                      onChange={(e) => setDraft(i, { nameEn: e.target.value })}
                    />
                  </Field>
                  <Field
                    name={f('threshold')}
                    label={`${t('threshold')} (${unit})`}
                    error={save.fe(f('threshold'))}
                  >
                    <input
                      name={f('threshold')}
                      dir="ltr"
                      inputMode="decimal"
                      value={d.threshold}
                      onChange={(e) => setDraft(i, { threshold: e.target.value })}
                    />
                  </Field>
                  <Field
                    name={f('benefits.shippingClass')}
                    label={t('pgShippingClass')}
                    error={save.fe(f('benefits.shippingClass'))}
                  >
                    <input
                      name={f('benefits.shippingClass')}
                      dir="ltr"
                      placeholder="express"
                      value={d.shippingClass}
                      onChange={(e) => setDraft(i, { shippingClass: e.target.value })}
                    />
                  </Field>
                  <Field
                    name={f('benefits.freeShippingThresholdRials')}
                    label={`${t('pgFreeShippingFrom')} (${t('toman')})`}
                    error={save.fe(f('benefits.freeShippingThresholdRials'))}
                  >
                    <input
                      name={f('benefits.freeShippingThresholdRials')}
                      dir="ltr"
                      inputMode="decimal"
                      placeholder={t('pgEmptyNone')}
                      value={d.freeShipping}
                      onChange={(e) => setDraft(i, { freeShipping: e.target.value })}
                    />
                  </Field>
                  <Field
                    name={f('benefits.warrantyExtensionMonths')}
                    label={t('pgWarrantyMonths')}
                    error={save.fe(f('benefits.warrantyExtensionMonths'))}
                  >
                    <input
                      name={f('benefits.warrantyExtensionMonths')}
                      dir="ltr"
                      inputMode="numeric"
                      placeholder="0"
                      value={d.warranty}
                      onChange={(e) => setDraft(i, { warranty: e.target.value })}
                    />
                  </Field>
                  <Field
                    name={f('benefits.earningMultiplier')}
                    label={t('pgEarningMultiplier')}
                    error={save.fe(f('benefits.earningMultiplier'))}
                  >
                    <input
                      name={f('benefits.earningMultiplier')}
                      dir="ltr"
                      inputMode="decimal"
                      placeholder="1"
                      value={d.multiplier}
                      onChange={(e) => setDraft(i, { multiplier: e.target.value })}
                    />
                  </Field>
                  <Field
                    name={f('benefits.earlyAccessHours')}
                    label={t('pgEarlyAccessHours')}
                    error={save.fe(f('benefits.earlyAccessHours'))}
                  >
                    <input
                      name={f('benefits.earlyAccessHours')}
                      dir="ltr"
                      inputMode="numeric"
                      placeholder="0"
                      value={d.earlyAccess}
                      onChange={(e) => setDraft(i, { earlyAccess: e.target.value })}
                    />
                  </Field>
                  <Field name={f('benefits.perks')} label={t('pgPerks')} error={perksError(i)}>
                    <textarea
                      name={f('benefits.perks')}
                      rows={3}
                      placeholder={t('pgPerksHelp')}
                      value={d.perks}
                      onChange={(e) => setDraft(i, { perks: e.target.value })}
                    />
                  </Field>
                  <div className="actions">
                    <button
                      type="button"
                      className="secondary"
                      disabled={i === 0}
                      onClick={() => move(i, -1)}
                    >
                      {t('pgMoveDown')}
                    </button>
                    <button
                      type="button"
                      className="secondary"
                      disabled={i === drafts.length - 1}
                      onClick={() => move(i, 1)}
                    >
                      {t('pgMoveUp')}
                    </button>
                    <button
                      type="button"
                      className="secondary danger"
                      onClick={() => setDrafts(drafts.filter((_, k) => k !== i))}
                    >
                      {t('pgRemoveTier')}
                    </button>
                  </div>
                </div>
              </Card>
            );
          })}
          <FormError
            error={save.error}
            fields={drafts.flatMap((_, i) =>
              [
                'key',
                'name.fa',
                'name.en',
                'threshold',
                ...[
                  'shippingClass',
                  'freeShippingThresholdRials',
                  'warrantyExtensionMonths',
                  'earningMultiplier',
                  'earlyAccessHours',
                ].map((b) => `benefits.${b}`),
              ]
                .map((n) => `tiers.${i}.${n}`)
                .concat(
                  save.error?.problem.errors
                    ?.filter((x) => x.field.startsWith(`tiers.${i}.benefits.perks`))
                    .map((x) => x.field) ?? [],
                ),
            )}
          />
          <div className="actions pg-actions">
            <button type="button" className="secondary" onClick={() => setDrafts([...drafts, blankDraft()])}>
              {t('pgAddTier')}
            </button>
            <button type="submit" disabled={save.busy}>
              {t('save')}
            </button>
            <button
              type="button"
              className="secondary"
              onClick={() => {
                save.reset();
                setDrafts(null);
              }}
            >
              {t('cancel')}
            </button>
          </div>
        </form>
      ) : (
        <Card>
          {canEdit ? (
            <button
              type="button"
              data-testid="edit-tiers"
              onClick={() => {
                save.reset();
                setDrafts(data.tiers.map((tier) => toDraft(tier, measure)));
              }}
            >
              {t('pgEditTiers')}
            </button>
          ) : null}
          {data.tiers.length === 0 ? <p className="muted">{t('pgNoTiers')}</p> : null}
          <table data-testid="tiers-table">
            <thead>
              <tr>
                <th>{t('name')}</th>
                <th>{t('pgTierKey')}</th>
                <th>{t('threshold')}</th>
                <th>{t('benefits')}</th>
              </tr>
            </thead>
            <tbody>
              {data.tiers.map((tier) => (
                <tr key={tier.key}>
                  <td>{tier.name[lang]}</td>
                  <td dir="ltr">
                    <code>{tier.key}</code>
                  </td>
                  <td>{fmtThreshold(tier.threshold)}</td>
                  <td>{benefitsText(tier.benefits)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      )}
      {settings.error ? <LoadError error={settings.error} role={props.role} /> : null}
      {settings.data ? (
        <TierSettingsCard
          settings={settings.data}
          canEdit={canEdit}
          onSaved={() => {
            settings.reload();
            tiers.reload();
          }}
        />
      ) : null}
    </div>
  );

  function benefitsText(b: Benefits): string {
    return (
      [
        b.shippingClass ? t('shippingClass', { c: b.shippingClass }) : null,
        b.freeShippingThresholdRials !== null
          ? b.freeShippingThresholdRials === 0
            ? t('pgFreeShippingAlways')
            : t('freeShippingOver', { amount: fmtToman(b.freeShippingThresholdRials, lang) })
          : null,
        b.earningMultiplier !== 1
          ? t('earningMultiplier', { x: fmtNumber(b.earningMultiplier, lang, 2) })
          : null,
        b.warrantyExtensionMonths
          ? t('warranty', { months: fmtNumber(b.warrantyExtensionMonths, lang) })
          : null,
        b.earlyAccessHours ? t('earlyAccess', { hours: fmtNumber(b.earlyAccessHours, lang) }) : null,
        ...b.perks.map((p) => p[lang]),
      ]
        .filter(Boolean)
        .join(' · ') || '—'
    );
  }
}

const SETTINGS_FIELDS = ['measure', 'downgrade', 'graceReviews', 'calendar'];

function TierSettingsCard(props: { settings: TierSettings; canEdit: boolean; onSaved: () => void }) {
  const { t, lang } = useI18n();
  const [draft, setDraft] = useState({
    ...props.settings,
    graceReviews: String(props.settings.graceReviews),
  });
  const save = useSave();
  const s = props.settings;
  if (!props.canEdit) {
    return (
      <Card title={t('pgTierSettings')} testId="tier-settings">
        <dl>
          <dt>{t('pgMeasure')}</dt>
          <dd>{t(`measure_${s.measure}` as MessageKey)}</dd>
          <dt>{t('pgDowngrade')}</dt>
          <dd>{t(`pgDowngrade_${s.downgrade}` as MessageKey)}</dd>
          <dt>{t('pgGraceReviews')}</dt>
          <dd>{fmtNumber(s.graceReviews, lang)}</dd>
          <dt>{t('pgCalendar')}</dt>
          <dd>{t(`pgCalendar_${s.calendar}` as MessageKey)}</dd>
        </dl>
      </Card>
    );
  }
  async function submit(e: FormEvent) {
    e.preventDefault();
    const body = {
      measure: draft.measure,
      downgrade: draft.downgrade,
      graceReviews: num(draft.graceReviews),
      calendar: draft.calendar,
    };
    if (await save.run(() => api('PATCH', '/v1/tier-settings', body))) props.onSaved();
  }
  return (
    <Card title={t('pgTierSettings')} testId="tier-settings">
      <p className="muted">{t('pgReviewHelp')}</p>
      <form className="form-grid" onSubmit={submit} noValidate>
        <Field name="measure" label={t('pgMeasure')} error={save.fe('measure')}>
          <select
            name="measure"
            value={draft.measure}
            onChange={(e) => setDraft({ ...draft, measure: e.target.value as Measure })}
          >
            {(['spend', 'points', 'orders'] as const).map((m) => (
              <option key={m} value={m}>
                {t(`measure_${m}` as MessageKey)}
              </option>
            ))}
          </select>
        </Field>
        <Field name="downgrade" label={t('pgDowngrade')} error={save.fe('downgrade')}>
          <select
            name="downgrade"
            value={draft.downgrade}
            onChange={(e) => setDraft({ ...draft, downgrade: e.target.value as TierSettings['downgrade'] })}
          >
            <option value="review">{t('pgDowngrade_review')}</option>
            <option value="never">{t('pgDowngrade_never')}</option>
          </select>
        </Field>
        <Field name="graceReviews" label={t('pgGraceReviews')} error={save.fe('graceReviews')}>
          <input
            name="graceReviews"
            dir="ltr"
            inputMode="numeric"
            value={draft.graceReviews}
            disabled={draft.downgrade === 'never'}
            onChange={(e) => setDraft({ ...draft, graceReviews: e.target.value })}
          />
        </Field>
        <Field name="calendar" label={t('pgCalendar')} error={save.fe('calendar')}>
          <select
            name="calendar"
            value={draft.calendar}
            onChange={(e) => setDraft({ ...draft, calendar: e.target.value as TierSettings['calendar'] })}
          >
            <option value="jalali">{t('pgCalendar_jalali')}</option>
            <option value="gregorian">{t('pgCalendar_gregorian')}</option>
          </select>
        </Field>
        {draft.measure !== s.measure ? (
          <p className="badge pg-wide" role="status">
            {t('pgMeasureChangeWarning')}
          </p>
        ) : null}
        <FormError error={save.error} fields={SETTINGS_FIELDS} />
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
