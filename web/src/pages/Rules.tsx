import { type FormEvent, useState } from 'react';
import { ApiError, api, enc } from '../api.js';
import { fmtNumber } from '../format.js';
import { useApi } from '../hooks.js';
import { type MessageKey, useI18n } from '../i18n.js';
import { Card, Field, LoadError, Loading, type Role } from '../ui.js';

const KINDS = [
  'rate',
  'multiplier',
  'product_bonus',
  'first_order',
  'birthday',
  'event',
  'tier_multiplier',
] as const;
type Kind = (typeof KINDS)[number];

interface Rule {
  id: string;
  kind: Kind;
  name: string;
  priority: number;
  config: Record<string, unknown>;
  enabled: boolean;
  stop: boolean;
  capPerOrder: number | null;
}

/** The config fields each kind shows; the API validates them and its messages appear in place. */
const CONFIG_FIELDS: Record<Kind, Array<{ key: string; label: MessageKey; list?: boolean }>> = {
  rate: [
    { key: 'rialsPerPoint', label: 'rialsPerPoint' },
    { key: 'minOrderRials', label: 'minOrderRials' },
  ],
  multiplier: [
    { key: 'factor', label: 'factor' },
    { key: 'categories', label: 'categories', list: true },
    { key: 'skus', label: 'skus', list: true },
  ],
  product_bonus: [
    { key: 'skus', label: 'skus', list: true },
    { key: 'points', label: 'pointsField' },
  ],
  first_order: [{ key: 'points', label: 'pointsField' }],
  birthday: [{ key: 'points', label: 'pointsField' }],
  event: [
    { key: 'eventType', label: 'eventType' },
    { key: 'points', label: 'pointsField' },
  ],
  tier_multiplier: [],
};

interface Draft {
  id: string | null;
  kind: Kind;
  name: string;
  priority: string;
  enabled: boolean;
  stop: boolean;
  config: Record<string, string>;
}

const emptyDraft = (): Draft => ({
  id: null,
  kind: 'first_order',
  name: '',
  priority: '',
  enabled: true,
  stop: false,
  config: {},
});

/** Numbers stay numbers, lists split on commas; an empty box is left out so the API names it as missing. */
function toBody(d: Draft) {
  const config: Record<string, unknown> = {};
  for (const f of CONFIG_FIELDS[d.kind]) {
    const raw = (d.config[f.key] ?? '').trim();
    if (raw === '') continue;
    if (f.list)
      config[f.key] = raw
        .split(/[,،]/)
        .map((s) => s.trim())
        .filter(Boolean);
    else config[f.key] = f.key === 'eventType' ? raw : Number(raw);
  }
  return {
    kind: d.kind,
    name: d.name,
    priority: d.priority.trim() === '' ? undefined : Number(d.priority),
    enabled: d.enabled,
    stop: d.stop,
    config,
  };
}

export function RulesPage(props: { role: Role }) {
  const { t, lang } = useI18n();
  const { data, error, reload } = useApi<{ items: Rule[] }>('/v1/rules');
  const [draft, setDraft] = useState<Draft | null>(null);
  const [saveError, setSaveError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);
  const canEdit = props.role === 'owner' || props.role === 'marketer';

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!draft) return;
    setSaveError(null);
    try {
      if (draft.id) await api('PUT', `/v1/rules/${enc(draft.id)}`, toBody(draft));
      else await api('POST', '/v1/rules', toBody(draft));
      setDraft(null);
      setSaved(true);
      reload();
    } catch (err) {
      if (err instanceof ApiError) setSaveError(err);
      else throw err;
    }
  }
  const fe = (field: string) => saveError?.fieldError(field);
  const set = (patch: Partial<Draft>) => draft && setDraft({ ...draft, ...patch });

  if (error) return <LoadError error={error} role={props.role} />;
  return (
    <div className="page">
      <h1>{t('rulesTitle')}</h1>
      {canEdit && !draft ? (
        <button
          type="button"
          onClick={() => {
            setSaved(false);
            setSaveError(null);
            setDraft(emptyDraft());
          }}
        >
          {t('newRule')}
        </button>
      ) : null}
      {saved ? <p className="ok">{t('saved')}</p> : null}
      {draft ? (
        <Card title={draft.id ? t('editRule') : t('newRule')} testId="rule-form">
          <form onSubmit={submit} className="form-grid" noValidate>
            <Field name="kind" label={t('kind')} error={fe('kind')}>
              <select
                name="kind"
                value={draft.kind}
                disabled={!!draft.id}
                onChange={(e) => set({ kind: e.target.value as Kind, config: {} })}
              >
                {KINDS.map((k) => (
                  <option key={k} value={k}>
                    {t(`kind_${k}` as MessageKey)}
                  </option>
                ))}
              </select>
            </Field>
            <Field name="name" label={t('name')} error={fe('name')}>
              <input name="name" value={draft.name} onChange={(e) => set({ name: e.target.value })} />
            </Field>
            <Field name="priority" label={t('priority')} error={fe('priority')}>
              <input
                name="priority"
                type="number"
                dir="ltr"
                value={draft.priority}
                onChange={(e) => set({ priority: e.target.value })}
              />
            </Field>
            {CONFIG_FIELDS[draft.kind].map((f) => (
              <Field key={f.key} name={`config.${f.key}`} label={t(f.label)} error={fe(`config.${f.key}`)}>
                <input
                  name={`config.${f.key}`}
                  dir="ltr"
                  value={draft.config[f.key] ?? ''}
                  onChange={(e) => set({ config: { ...draft.config, [f.key]: e.target.value } })}
                />
              </Field>
            ))}
            <label className="check">
              <input
                type="checkbox"
                checked={draft.enabled}
                onChange={(e) => set({ enabled: e.target.checked })}
              />
              {t('enabled')}
            </label>
            <label className="check">
              <input type="checkbox" checked={draft.stop} onChange={(e) => set({ stop: e.target.checked })} />
              {t('stop')}
            </label>
            {saveError && !saveError.problem.errors?.length ? (
              <p className="error" role="alert">
                {saveError.problem.detail}
              </p>
            ) : null}
            <div className="actions">
              <button type="submit">{t('save')}</button>
              <button type="button" className="secondary" onClick={() => setDraft(null)}>
                {t('cancel')}
              </button>
            </div>
          </form>
        </Card>
      ) : null}
      <Card>
        {!data ? (
          <Loading />
        ) : (
          <table data-testid="rules-table">
            <thead>
              <tr>
                <th>{t('priority')}</th>
                <th>{t('name')}</th>
                <th>{t('kind')}</th>
                <th>{t('status')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {data.items.map((r) => (
                <tr key={r.id}>
                  <td>{fmtNumber(r.priority, lang)}</td>
                  <td>{r.name}</td>
                  <td>{t(`kind_${r.kind}` as MessageKey)}</td>
                  <td>{r.enabled ? t('enabled') : t('disabled')}</td>
                  <td>
                    {canEdit ? (
                      <button
                        type="button"
                        className="link"
                        onClick={() => {
                          setSaved(false);
                          setSaveError(null);
                          setDraft({
                            id: r.id,
                            kind: r.kind,
                            name: r.name,
                            priority: String(r.priority),
                            enabled: r.enabled,
                            stop: r.stop,
                            config: Object.fromEntries(
                              Object.entries(r.config).map(([k, v]) => [
                                k,
                                Array.isArray(v) ? v.join(', ') : String(v),
                              ]),
                            ),
                          });
                        }}
                      >
                        {t('edit')}
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
