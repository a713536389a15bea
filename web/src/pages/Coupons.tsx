import { type FormEvent, useState } from 'react';
import { api, enc } from '../api.js';
import { fmtDate, fmtNumber, fmtToman } from '../format.js';
import { useApi } from '../hooks.js';
import { type Lang, type MessageKey, type T, useI18n } from '../i18n.js';
import { Card, Field, LoadError, Loading, type Role } from '../ui.js';
import {
  BudgetBar,
  canWriteProgramme,
  DateInput,
  dayToIso,
  FormError,
  GuardrailOverride,
  list,
  num,
  ProgrammeTabs,
  postForCsv,
  tomanToRials,
  useSave,
} from './ProgrammeKit.js';

type OfferKind = 'fixed' | 'percent' | 'free_shipping' | 'gift';
export const OFFER_KINDS: ReadonlyArray<OfferKind> = ['fixed', 'percent', 'free_shipping', 'gift'];

interface Batch {
  id: string;
  name: string;
  kind: OfferKind;
  amountRials: number | null;
  percent: number | null;
  maxDiscountRials: number | null;
  minCartRials: number;
  categories: string[];
  giftSku: string | null;
  prefix: string;
  source: string;
  usesPerCode: number;
  validFrom: string | null;
  validTo: string | null;
  budgetRials: number | null;
  spentRials: number;
  codesCount: number;
  isActive: boolean;
  depthPct: number;
  guardrailOverride: { reason: string; author: string | null } | null;
}

/** The offer fields a kind shows, shared with the campaign form's coupon grant. */
export const OFFER_FIELDS: Record<OfferKind, Array<{ key: string; label: MessageKey; toman?: boolean }>> = {
  fixed: [{ key: 'amountRials', label: 'pgAmountOff', toman: true }],
  percent: [
    { key: 'percent', label: 'pgPercentOff' },
    { key: 'maxDiscountRials', label: 'pgMaxDiscount', toman: true },
  ],
  free_shipping: [],
  gift: [
    { key: 'giftSku', label: 'pgGiftSku' },
    { key: 'giftValueRials', label: 'pgGiftValue', toman: true },
  ],
};

/** An offer's typed fields as the API's: amounts from Toman, categories split; empty boxes left out. */
export function offerBody(kind: OfferKind, f: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = { kind };
  for (const x of OFFER_FIELDS[kind]) {
    const raw = (f[x.key] ?? '').trim();
    if (raw === '') continue;
    out[x.key] = x.toman ? tomanToRials(raw) : x.key === 'giftSku' ? raw : num(raw);
  }
  if ((f.minCartRials ?? '').trim()) out.minCartRials = tomanToRials(f.minCartRials!);
  if ((f.categories ?? '').trim()) out.categories = list(f.categories!);
  return out;
}

interface Draft {
  name: string;
  kind: OfferKind;
  offer: Record<string, string>;
  prefix: string;
  usesPerCode: string;
  validFrom: string;
  validTo: string;
  budget: string;
  overrideReason: string;
}

const emptyDraft = (): Draft => ({
  name: '',
  kind: 'percent',
  offer: {},
  prefix: '',
  usesPerCode: '1',
  validFrom: '',
  validTo: '',
  budget: '',
  overrideReason: '',
});

const FIELDS = [
  'name',
  'kind',
  'amountRials',
  'percent',
  'maxDiscountRials',
  'minCartRials',
  'categories',
  'giftSku',
  'giftValueRials',
  'prefix',
  'usesPerCode',
  'validFrom',
  'validTo',
  'budgetRials',
  'guardrailOverride.reason',
];

export function CouponsPage(props: { role: Role }) {
  const { t } = useI18n();
  const batches = useApi<{ items: Batch[] }>('/v1/coupon-batches');
  const canEdit = canWriteProgramme(props.role);
  const [draft, setDraft] = useState<Draft | null>(null);
  const save = useSave();
  const action = useSave();
  const [open, setOpen] = useState<string | null>(null);

  if (batches.error) return <LoadError error={batches.error} role={props.role} />;
  const set = (patch: Partial<Draft>) => draft && setDraft({ ...draft, ...patch });
  const setOffer = (k: string, v: string) =>
    draft && setDraft({ ...draft, offer: { ...draft.offer, [k]: v } });

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!draft) return;
    const body = {
      name: draft.name,
      ...offerBody(draft.kind, draft.offer),
      prefix: draft.prefix.trim(),
      usesPerCode: num(draft.usesPerCode),
      validFrom: dayToIso(draft.validFrom),
      validTo: dayToIso(draft.validTo, true),
      budgetRials: tomanToRials(draft.budget),
      ...(draft.overrideReason.trim() ? { guardrailOverride: { reason: draft.overrideReason } } : {}),
    };
    if (await save.run(() => api('POST', '/v1/coupon-batches', body))) {
      setDraft(null);
      batches.reload();
    }
  }

  return (
    <div className="page">
      <ProgrammeTabs current="/programme/coupons" />
      <h1>{t('pgCouponsTitle')}</h1>
      <p className="muted">{t('pgCouponsHelp')}</p>
      {canEdit && !draft ? (
        <button
          type="button"
          onClick={() => {
            save.reset();
            setDraft(emptyDraft());
          }}
        >
          {t('pgNewBatch')}
        </button>
      ) : null}
      {save.saved && !draft ? <p className="ok">{t('saved')}</p> : null}
      {draft ? (
        <Card title={t('pgNewBatch')} testId="batch-form">
          <form className="form-grid" onSubmit={submit} noValidate>
            <Field name="name" label={t('name')} error={save.fe('name')}>
              <input name="name" value={draft.name} onChange={(e) => set({ name: e.target.value })} />
            </Field>
            <Field name="kind" label={t('pgOffer')} error={save.fe('kind')}>
              <select
                name="kind"
                value={draft.kind}
                onChange={(e) => set({ kind: e.target.value as OfferKind, offer: {} })}
              >
                {OFFER_KINDS.map((k) => (
                  <option key={k} value={k}>
                    {t(`pgOfferKind_${k}` as MessageKey)}
                  </option>
                ))}
              </select>
            </Field>
            {OFFER_FIELDS[draft.kind].map((f) => (
              <Field
                key={f.key}
                name={f.key}
                label={f.toman ? `${t(f.label)} (${t('toman')})` : t(f.label)}
                error={save.fe(f.key)}
              >
                <input
                  name={f.key}
                  dir="ltr"
                  value={draft.offer[f.key] ?? ''}
                  onChange={(e) => setOffer(f.key, e.target.value)}
                />
              </Field>
            ))}
            <Field
              name="minCartRials"
              label={`${t('pgMinCart')} (${t('toman')})`}
              error={save.fe('minCartRials')}
            >
              <input
                name="minCartRials"
                dir="ltr"
                value={draft.offer.minCartRials ?? ''}
                onChange={(e) => setOffer('minCartRials', e.target.value)}
              />
            </Field>
            <Field name="categories" label={t('categories')} error={save.fe('categories')}>
              <input
                name="categories"
                value={draft.offer.categories ?? ''}
                onChange={(e) => setOffer('categories', e.target.value)}
              />
            </Field>
            <Field name="prefix" label={t('prefix')} error={save.fe('prefix')}>
              <input
                name="prefix"
                dir="ltr"
                placeholder="YALDA"
                value={draft.prefix}
                onChange={(e) => set({ prefix: e.target.value })}
              />
            </Field>
            <Field name="usesPerCode" label={t('pgUsesPerCode')} error={save.fe('usesPerCode')}>
              <input
                name="usesPerCode"
                dir="ltr"
                value={draft.usesPerCode}
                onChange={(e) => set({ usesPerCode: e.target.value })}
              />
            </Field>
            <Field name="validFrom" label={t('pgValidFrom')} error={save.fe('validFrom')}>
              <DateInput name="validFrom" value={draft.validFrom} onChange={(v) => set({ validFrom: v })} />
            </Field>
            <Field name="validTo" label={t('pgValidTo')} error={save.fe('validTo')}>
              <DateInput name="validTo" value={draft.validTo} onChange={(v) => set({ validTo: v })} />
            </Field>
            <Field
              name="budgetRials"
              label={`${t('pgBudget')} (${t('toman')})`}
              error={save.fe('budgetRials')}
            >
              <input
                name="budgetRials"
                dir="ltr"
                placeholder={t('pgEmptyUnlimited')}
                value={draft.budget}
                onChange={(e) => set({ budget: e.target.value })}
              />
            </Field>
            <GuardrailOverride
              role={props.role}
              save={save}
              reason={draft.overrideReason}
              onReason={(v) => set({ overrideReason: v })}
              fields={FIELDS}
            />
            <div className="actions">
              <button type="submit" disabled={save.busy}>
                {t('create')}
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
      <FormError error={action.error} fields={['count', 'codes']} />
      <Card>
        {!batches.data ? (
          <Loading />
        ) : batches.data.items.length === 0 ? (
          <p className="muted">{t('pgNoBatches')}</p>
        ) : (
          <table data-testid="batches-table">
            <thead>
              <tr>
                <th>{t('name')}</th>
                <th>{t('pgOffer')}</th>
                <th>{t('prefix')}</th>
                <th>{t('pgCodes')}</th>
                <th>{t('pgWindow')}</th>
                <th>{t('pgSpentOfBudget')}</th>
                <th>{t('status')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {batches.data.items.map((b) => (
                <BatchRow
                  key={b.id}
                  batch={b}
                  canEdit={canEdit}
                  open={open === b.id}
                  onToggle={() => {
                    action.reset();
                    setOpen(open === b.id ? null : b.id);
                  }}
                  run={action.run}
                  fe={action.fe}
                  onChanged={batches.reload}
                />
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}

function BatchRow(p: {
  batch: Batch;
  canEdit: boolean;
  open: boolean;
  onToggle: () => void;
  run: (fn: () => Promise<unknown>) => Promise<boolean>;
  fe: (f: string) => string | undefined;
  onChanged: () => void;
}) {
  const { t, lang } = useI18n();
  const b = p.batch;
  // Batches the rewards, campaigns and referrals make for their member-bound codes are theirs to manage.
  const isSystem = b.source !== 'bulk' && b.source !== 'import';
  const [count, setCount] = useState('100');
  const [codes, setCodes] = useState('');
  const [imported, setImported] = useState<{ imported: number; duplicates: string[] } | null>(null);
  return (
    <>
      <tr className={b.isActive ? '' : 'pg-inactive'}>
        <td>
          {b.name}
          {isSystem ? <small className="muted"> · {t(`pgSource_${b.source}` as MessageKey)}</small> : null}
        </td>
        <td>
          {batchOffer(b, t, lang)}
          {b.guardrailOverride ? (
            <small className="badge" title={b.guardrailOverride.reason}>
              {t('pgOverridden')}
            </small>
          ) : null}
        </td>
        <td dir="ltr">{b.prefix || '—'}</td>
        <td>
          {fmtNumber(b.codesCount, lang)}
          <br />
          <small className="muted">{t('pgUsesEach', { n: fmtNumber(b.usesPerCode, lang) })}</small>
        </td>
        <td>
          {b.validFrom || b.validTo ? `${fmtDate(b.validFrom, lang)} – ${fmtDate(b.validTo, lang)}` : '—'}
        </td>
        <td>
          <BudgetBar spent={b.spentRials} budget={b.budgetRials} format={(n) => fmtToman(n, lang)} />
        </td>
        <td>{b.isActive ? t('active') : t('pgDisabled')}</td>
        <td className="pg-row-actions">
          {b.codesCount > 0 ? (
            <a href={`/v1/coupon-batches/${enc(b.id)}/codes.csv`} download={`${b.id}.csv`}>
              {t('pgDownloadCodes')}
            </a>
          ) : null}
          {p.canEdit && b.isActive && !isSystem ? (
            <button type="button" className="link" onClick={p.onToggle}>
              {t('pgCodesMore')}
            </button>
          ) : null}
        </td>
      </tr>
      {p.open ? (
        <tr>
          <td colSpan={8}>
            <div className="grid2">
              <form
                className="inline-form"
                noValidate
                onSubmit={async (e) => {
                  e.preventDefault();
                  if (
                    await p.run(() =>
                      postForCsv(
                        `/v1/coupon-batches/${enc(b.id)}/codes`,
                        { count: num(count) },
                        `${b.id}.csv`,
                      ),
                    )
                  )
                    p.onChanged();
                }}
              >
                <Field name="count" label={t('pgGenerateCount')} error={p.fe('count')}>
                  <input name="count" dir="ltr" value={count} onChange={(e) => setCount(e.target.value)} />
                </Field>
                <button type="submit">{t('pgGenerate')}</button>
              </form>
              <form
                className="inline-form"
                noValidate
                onSubmit={async (e) => {
                  e.preventDefault();
                  const body = {
                    codes: codes
                      .split('\n')
                      .map((l) => l.trim())
                      .filter(Boolean)
                      .map((l) => {
                        const [code, member] = l.split(/[,،\t]/).map((s) => s.trim());
                        return member ? { code, memberExternalId: member } : { code };
                      }),
                  };
                  await p.run(async () => {
                    setImported(
                      await api<{ imported: number; duplicates: string[] }>(
                        'POST',
                        `/v1/coupon-batches/${enc(b.id)}/imports`,
                        body,
                      ),
                    );
                    p.onChanged();
                  });
                }}
              >
                <Field name="codes" label={t('pgImportCodes')} error={p.fe('codes')}>
                  <textarea
                    name="codes"
                    rows={3}
                    dir="ltr"
                    placeholder={t('pgImportHelp')}
                    value={codes}
                    onChange={(e) => setCodes(e.target.value)}
                  />
                </Field>
                <button type="submit">{t('pgImport')}</button>
                {imported ? (
                  <small className="ok">
                    {t('pgImported', {
                      n: fmtNumber(imported.imported, lang),
                      dup: fmtNumber(imported.duplicates.length, lang),
                    })}
                  </small>
                ) : null}
              </form>
            </div>
            <button
              type="button"
              className="secondary danger"
              onClick={async () => {
                if (await p.run(() => api('POST', `/v1/coupon-batches/${enc(b.id)}/disable`, {})))
                  p.onChanged();
              }}
            >
              {t('pgDisableBatch')}
            </button>
          </td>
        </tr>
      ) : null}
    </>
  );
}

function batchOffer(b: Batch, t: T, lang: Lang): string {
  const parts = [t(`pgOfferKind_${b.kind}` as MessageKey)];
  if (b.kind === 'fixed' && b.amountRials !== null) parts.push(fmtToman(b.amountRials, lang));
  if (b.kind === 'percent' && b.percent !== null) {
    parts.push(`${fmtNumber(b.percent, lang)}${lang === 'fa' ? '٪' : '%'}`);
    if (b.maxDiscountRials !== null) parts.push(t('pgUpTo', { amount: fmtToman(b.maxDiscountRials, lang) }));
  }
  if (b.kind === 'gift' && b.giftSku) parts.push(b.giftSku);
  if (b.minCartRials) parts.push(t('pgMinCartOf', { amount: fmtToman(b.minCartRials, lang) }));
  return parts.join(' · ');
}
