import { type FormEvent, useEffect, useState } from 'react';
import { ApiError, api, enc } from '../api.js';
import { fmtDate, fmtDateTime, fmtNumber } from '../format.js';
import { useApi } from '../hooks.js';
import { type MessageKey, useI18n } from '../i18n.js';
import { Card, Field, LoadError, Loading, type Role } from '../ui.js';

interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  revokedAt: string | null;
}
interface Club {
  name: string;
  pointValueRials: number;
  returnWindowDays: number;
  redeemMaxSharePct: number;
  redeemMinPoints: number;
  expiryMode: 'never' | 'months' | 'jalali_year_end';
  expiryMonths: number;
}

const NUMERIC: Array<keyof Club & MessageKey> = [
  'pointValueRials',
  'returnWindowDays',
  'redeemMaxSharePct',
  'redeemMinPoints',
  'expiryMonths',
];

export function SettingsPage(props: { role: Role }) {
  const { t, lang } = useI18n();
  const keys = useApi<{ items: ApiKey[] } | ApiKey[]>('/v1/api-keys');
  const club = useApi<Club>('/v1/club');
  const [name, setName] = useState('');
  const [created, setCreated] = useState('');
  const [keyError, setKeyError] = useState<ApiError | null>(null);
  const [form, setForm] = useState<Record<string, string>>({});
  const [clubError, setClubError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (club.data) setForm(Object.fromEntries(Object.entries(club.data).map(([k, v]) => [k, String(v)])));
  }, [club.data]);

  if (keys.error) return <LoadError error={keys.error} role={props.role} />;
  if (!keys.data || !club.data) return <Loading />;
  const list = Array.isArray(keys.data) ? keys.data : keys.data.items;

  async function createKey(e: FormEvent) {
    e.preventDefault();
    setKeyError(null);
    try {
      const k = await api<{ key: string }>('POST', '/v1/api-keys', { name });
      setCreated(k.key);
      setName('');
      keys.reload();
    } catch (err) {
      if (err instanceof ApiError) setKeyError(err);
      else throw err;
    }
  }
  async function saveClub(e: FormEvent) {
    e.preventDefault();
    setClubError(null);
    setSaved(false);
    const body: Record<string, unknown> = { name: form.name, expiryMode: form.expiryMode };
    for (const k of NUMERIC) body[k] = Number(form[k]);
    try {
      await api('PATCH', '/v1/club', body);
      setSaved(true);
      club.reload();
    } catch (err) {
      if (err instanceof ApiError) setClubError(err);
      else throw err;
    }
  }

  return (
    <div className="page">
      <h1>{t('settingsTitle')}</h1>
      <Card title={t('apiKeys')} testId="api-keys">
        <table>
          <thead>
            <tr>
              <th>{t('keyName')}</th>
              <th>{t('prefix')}</th>
              <th>{t('created')}</th>
              <th>{t('status')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.map((k) => (
              <tr key={k.id}>
                <td>{k.name}</td>
                <td dir="ltr">{k.prefix}…</td>
                <td>{fmtDate(k.createdAt, lang)}</td>
                <td>{k.revokedAt ? t('revoked') : t('active')}</td>
                <td>
                  {k.revokedAt ? null : (
                    <button
                      type="button"
                      className="link danger"
                      onClick={async () => {
                        await api('DELETE', `/v1/api-keys/${enc(k.id)}`);
                        keys.reload();
                      }}
                    >
                      {t('revoke')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <form className="inline-form" onSubmit={createKey}>
          <Field name="name" label={t('keyName')} error={keyError?.fieldError('name')}>
            <input name="name" value={name} onChange={(e) => setName(e.target.value)} />
          </Field>
          <button type="submit">{t('newKey')}</button>
        </form>
        {created ? (
          <p className="ok">
            {t('keyShownOnce')} <code dir="ltr">{created}</code>
          </p>
        ) : null}
      </Card>
      <Webhooks role={props.role} />
      <Templates />
      <Card title={t('clubSettings')} testId="club-settings">
        <form className="form-grid" onSubmit={saveClub} noValidate>
          <Field name="name" label={t('clubName')} error={clubError?.fieldError('name')}>
            <input
              name="club-name"
              value={form.name ?? ''}
              onChange={(e) => setForm({ ...form, name: e.target.value })}
            />
          </Field>
          <Field name="expiryMode" label={t('expiryMode')} error={clubError?.fieldError('expiryMode')}>
            <select
              value={form.expiryMode ?? 'never'}
              onChange={(e) => setForm({ ...form, expiryMode: e.target.value })}
            >
              {(['never', 'months', 'jalali_year_end'] as const).map((m) => (
                <option key={m} value={m}>
                  {t(`expiry_${m}`)}
                </option>
              ))}
            </select>
          </Field>
          {NUMERIC.map((k) => (
            <Field key={k} name={k} label={t(k)} error={clubError?.fieldError(k)}>
              <input
                type="number"
                dir="ltr"
                value={form[k] ?? ''}
                onChange={(e) => setForm({ ...form, [k]: e.target.value })}
              />
            </Field>
          ))}
          <div className="actions">
            <button type="submit">{t('save')}</button>
          </div>
          {saved ? <p className="ok">{t('saved')}</p> : null}
        </form>
      </Card>
      <VocSettings />
    </div>
  );
}

interface Subscription {
  id: string;
  url: string;
  eventTypes: string[];
  description: string | null;
  isActive: boolean;
  createdAt: string;
}
type DeliveryStatus = 'pending' | 'delivered' | 'dead' | 'cancelled';
interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  subscriptionId: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  lastResponseMs: number | null;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
}
interface Attempt {
  at: string;
  statusCode: number | null;
  responseMs: number;
  error: string | null;
  response: string | null;
}

/** Webhook subscriptions and, per subscription, the delivery log with every attempt (docs/webhooks.md). */
function Webhooks(props: { role: Role }) {
  const { t, lang } = useI18n();
  const subs = useApi<{ items: Subscription[] }>('/v1/webhooks/subscriptions');
  const [selected, setSelected] = useState('');
  const [status, setStatus] = useState<DeliveryStatus | ''>('');
  const [open, setOpen] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const subId = selected || subs.data?.items[0]?.id || '';
  const deliveries = useApi<{ items: Delivery[] }>(
    subId
      ? `/v1/webhooks/deliveries?subscriptionId=${enc(subId)}&limit=50${status ? `&status=${status}` : ''}`
      : null,
  );
  const [url, setUrl] = useState('');
  const [types, setTypes] = useState('*');
  const [desc, setDesc] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [secret, setSecret] = useState('');

  async function create(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      const res = await api<Subscription & { secret: string }>('POST', '/v1/webhooks/subscriptions', {
        url,
        eventTypes: types
          .split(/[,،\s]+/)
          .map((x) => x.trim())
          .filter(Boolean),
        ...(desc.trim() ? { description: desc.trim() } : {}),
      });
      setSecret(res.secret);
      setUrl('');
      setDesc('');
      setSelected(res.id);
      subs.reload();
    } catch (err) {
      if (err instanceof ApiError) setError(err);
      else throw err;
    }
  }
  async function redeliver(id: string) {
    setNote('');
    await api('POST', `/v1/webhooks/deliveries/${enc(id)}/replay`);
    setNote(t('setRedelivered'));
    deliveries.reload();
  }

  return (
    <Card title={t('webhooksTitle')} testId="webhooks">
      {subs.error ? <LoadError error={subs.error} role={props.role} /> : null}
      {subs.data ? (
        subs.data.items.length === 0 ? (
          <p className="muted">{t('setNoSubscriptions')}</p>
        ) : (
          <table data-testid="webhook-subscriptions">
            <thead>
              <tr>
                <th>{t('url')}</th>
                <th>{t('event')}</th>
                <th>{t('status')}</th>
                <th>{t('created')}</th>
              </tr>
            </thead>
            <tbody>
              {subs.data.items.map((s) => (
                <tr key={s.id} className={s.id === subId ? 'selected' : ''}>
                  <td dir="ltr">
                    <button
                      type="button"
                      className="link"
                      onClick={() => {
                        setSelected(s.id);
                        setOpen(null);
                      }}
                    >
                      {s.url}
                    </button>
                    {s.description ? <div className="muted small">{s.description}</div> : null}
                  </td>
                  <td dir="ltr" className="small">
                    {s.eventTypes.join(', ')}
                  </td>
                  <td>{s.isActive ? t('active') : t('disabled')}</td>
                  <td>{fmtDate(s.createdAt, lang)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      ) : (
        <Loading />
      )}
      <form className="inline-form" onSubmit={create} data-testid="webhook-create" noValidate>
        <Field name="url" label={t('url')} error={error?.fieldError('url')}>
          <input name="url" dir="ltr" value={url} onChange={(e) => setUrl(e.target.value)} />
        </Field>
        <Field name="eventTypes" label={t('setEventTypes')} error={error?.fieldError('eventTypes')}>
          <input name="eventTypes" dir="ltr" value={types} onChange={(e) => setTypes(e.target.value)} />
        </Field>
        <Field name="description" label={t('setDescription')} error={error?.fieldError('description')}>
          <input name="description" value={desc} onChange={(e) => setDesc(e.target.value)} />
        </Field>
        <button type="submit">{t('setNewSubscription')}</button>
      </form>
      {error && !error.problem.errors ? (
        <p className="error" role="alert">
          {error.problem.detail}
        </p>
      ) : null}
      {secret ? (
        <p className="ok">
          {t('setSecretOnce')} <code dir="ltr">{secret}</code>
        </p>
      ) : null}
      {subId ? (
        <>
          <h3>
            {t('deliveries')} — <bdi>{subs.data?.items.find((s) => s.id === subId)?.url}</bdi>
          </h3>
          <select
            name="deliveryStatus"
            aria-label={t('status')}
            value={status}
            onChange={(e) => setStatus(e.target.value as DeliveryStatus | '')}
          >
            <option value="">{t('setAllDeliveries')}</option>
            {(['pending', 'delivered', 'dead', 'cancelled'] as const).map((s) => (
              <option key={s} value={s}>
                {t(`setDelivery_${s}`)}
              </option>
            ))}
          </select>
          {note ? <p className="ok">{note}</p> : null}
          {deliveries.error ? <LoadError error={deliveries.error} role={props.role} /> : null}
          {deliveries.data ? (
            deliveries.data.items.length === 0 ? (
              <p className="muted">{t('setNoDeliveries')}</p>
            ) : (
              <table data-testid="webhook-deliveries">
                <thead>
                  <tr>
                    <th>{t('created')}</th>
                    <th>{t('event')}</th>
                    <th>{t('status')}</th>
                    <th>{t('attempts')}</th>
                    <th>{t('responseStatus')}</th>
                    <th>{t('setNextAttempt')}</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {deliveries.data.items.map((d) => (
                    <DeliveryRow
                      key={d.id}
                      d={d}
                      role={props.role}
                      isOpen={open === d.id}
                      onToggle={() => setOpen(open === d.id ? null : d.id)}
                      onRedeliver={() => redeliver(d.id)}
                    />
                  ))}
                </tbody>
              </table>
            )
          ) : (
            <Loading />
          )}
        </>
      ) : null}
    </Card>
  );
}

function DeliveryRow(props: {
  d: Delivery;
  role: Role;
  isOpen: boolean;
  onToggle: () => void;
  onRedeliver: () => void;
}) {
  const { t, lang } = useI18n();
  const { d } = props;
  const detail = useApi<Delivery & { log: Attempt[] }>(
    props.isOpen ? `/v1/webhooks/deliveries/${enc(d.id)}` : null,
  );
  return (
    <>
      <tr data-testid="delivery-row" data-status={d.status}>
        <td>{fmtDateTime(d.createdAt, lang)}</td>
        <td dir="ltr">{d.eventType}</td>
        <td>
          <span
            className={`sla ${d.status === 'delivered' ? 'sla-ok' : d.status === 'dead' ? 'sla-breached' : 'sla-paused'}`}
          >
            {t(`setDelivery_${d.status}`)}
          </span>
        </td>
        <td>{fmtNumber(d.attempts, lang)}</td>
        <td dir="ltr">
          {d.lastStatusCode ?? '—'}
          {d.lastResponseMs !== null ? <span className="muted small"> · {d.lastResponseMs} ms</span> : null}
          {d.lastError ? <div className="error small">{d.lastError}</div> : null}
        </td>
        <td>{d.status === 'pending' ? fmtDateTime(d.nextAttemptAt, lang) : '—'}</td>
        <td>
          <button type="button" className="link" onClick={props.onToggle} data-testid="delivery-details">
            {t('setDetails')}
          </button>{' '}
          <button type="button" className="link" onClick={props.onRedeliver} data-testid="delivery-redeliver">
            {t('setRedeliver')}
          </button>
        </td>
      </tr>
      {props.isOpen ? (
        <tr>
          <td colSpan={7}>
            <h4>{t('setAttemptsLog')}</h4>
            {detail.data ? (
              <table data-testid="delivery-attempts">
                <thead>
                  <tr>
                    <th>{t('date')}</th>
                    <th>{t('responseStatus')}</th>
                    <th>{t('setResponseMs')}</th>
                    <th>{t('setLastError')}</th>
                    <th>{t('setResponseBody')}</th>
                  </tr>
                </thead>
                <tbody>
                  {detail.data.log.map((a) => (
                    <tr key={a.at}>
                      <td>{fmtDateTime(a.at, lang)}</td>
                      <td dir="ltr">{a.statusCode ?? '—'}</td>
                      <td>{fmtNumber(a.responseMs, lang)}</td>
                      <td dir="ltr" className="small">
                        {a.error ?? '—'}
                      </td>
                      <td dir="ltr">
                        <code>{a.response ?? '—'}</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : detail.error ? (
              <LoadError error={detail.error} role={props.role} />
            ) : (
              <Loading />
            )}
          </td>
        </tr>
      ) : null}
    </>
  );
}

interface Template {
  id: string;
  eventType: string;
  channel: 'sms' | 'email';
  language: 'fa' | 'en';
  subject: string | null;
  body: string;
  isActive: boolean;
  variables: string[];
  updatedAt: string;
}
interface Preview {
  subject: string | null;
  body: string;
  text: string | null;
  characters: number;
}

/** Message templates with a live preview as the member would receive it. */
function Templates() {
  const { t, lang } = useI18n();
  const list = useApi<{ items: Template[] }>('/v1/notifications/templates');
  // The server's list of events and their variables (GET /v1/notifications/events): the editor offers
  // exactly what a save accepts, and a module's new event appears without a dashboard release.
  const events = useApi<{
    items: Array<{ eventType: string; variables: { sms: string[]; email: string[] } }>;
  }>('/v1/notifications/events');
  const [form, setForm] = useState({
    eventType: 'points.earned',
    channel: 'sms' as 'sms' | 'email',
    language: 'fa' as 'fa' | 'en',
    subject: '',
    body: '',
    member: '',
  });
  const [preview, setPreview] = useState<Preview | null>(null);
  const [previewError, setPreviewError] = useState<ApiError | null>(null);
  const [saveError, setSaveError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);
  const set = (k: keyof typeof form, v: string) => {
    setSaved(false);
    setForm((f) => ({ ...f, [k]: v }));
  };

  // Rendered by the server a moment after typing stops, so the preview is exactly what would be sent.
  useEffect(() => {
    if (!form.body.trim()) {
      setPreview(null);
      setPreviewError(null);
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      api<Preview>('POST', '/v1/notifications/templates/preview', {
        eventType: form.eventType.trim(),
        channel: form.channel,
        language: form.language,
        body: form.body,
        ...(form.channel === 'email' ? { subject: form.subject || null } : {}),
        ...(form.member.trim() ? { memberExternalId: form.member.trim() } : {}),
      }).then(
        (p) => {
          if (!live) return;
          setPreview(p);
          setPreviewError(null);
        },
        (err) => {
          if (!live) return;
          if (err instanceof ApiError) setPreviewError(err);
          setPreview(null);
        },
      );
    }, 300);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [form]);

  async function save(e: FormEvent) {
    e.preventDefault();
    setSaveError(null);
    setSaved(false);
    try {
      await api(
        'PUT',
        `/v1/notifications/templates/${enc(form.eventType.trim())}/${form.channel}/${form.language}`,
        { body: form.body, ...(form.channel === 'email' ? { subject: form.subject || null } : {}) },
      );
      setSaved(true);
      list.reload();
    } catch (err) {
      if (err instanceof ApiError) setSaveError(err);
      else throw err;
    }
  }
  const err = (f: string) => saveError?.fieldError(f) ?? previewError?.fieldError(f);
  const variables = events.data?.items.find((x) => x.eventType === form.eventType)?.variables[form.channel];

  return (
    <Card title={t('setTemplates')} testId="templates">
      {list.data ? (
        list.data.items.length ? (
          <table data-testid="templates-table">
            <thead>
              <tr>
                <th>{t('event')}</th>
                <th>{t('channel')}</th>
                <th>{t('setLanguage')}</th>
                <th>{t('status')}</th>
                <th>{t('created')}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((x) => (
                <tr key={x.id}>
                  <td dir="ltr">
                    <button
                      type="button"
                      className="link"
                      onClick={() =>
                        setForm({
                          eventType: x.eventType,
                          channel: x.channel,
                          language: x.language,
                          subject: x.subject ?? '',
                          body: x.body,
                          member: form.member,
                        })
                      }
                    >
                      {x.eventType}
                    </button>
                  </td>
                  <td>{t(`setChannel_${x.channel}`)}</td>
                  <td>{t(`setLang_${x.language}`)}</td>
                  <td>{x.isActive ? t('active') : t('disabled')}</td>
                  <td>{fmtDateTime(x.updatedAt, lang)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null
      ) : (
        <Loading />
      )}
      <form className="grid2" onSubmit={save} data-testid="template-form" noValidate>
        <div>
          <div className="form-grid">
            <Field name="eventType" label={t('event')} error={err('eventType')}>
              <input
                name="eventType"
                dir="ltr"
                list="template-events"
                value={form.eventType}
                onChange={(e) => set('eventType', e.target.value)}
              />
              <datalist id="template-events">
                {(events.data?.items ?? []).map((x) => (
                  <option key={x.eventType} value={x.eventType} />
                ))}
              </datalist>
            </Field>
            <Field name="channel" label={t('channel')}>
              <select name="channel" value={form.channel} onChange={(e) => set('channel', e.target.value)}>
                {(['sms', 'email'] as const).map((c) => (
                  <option key={c} value={c}>
                    {t(`setChannel_${c}`)}
                  </option>
                ))}
              </select>
            </Field>
            <Field name="language" label={t('setLanguage')}>
              <select name="language" value={form.language} onChange={(e) => set('language', e.target.value)}>
                {(['fa', 'en'] as const).map((l) => (
                  <option key={l} value={l}>
                    {t(`setLang_${l}`)}
                  </option>
                ))}
              </select>
            </Field>
            <Field name="memberExternalId" label={t('setPreviewMember')} error={err('memberExternalId')}>
              <input
                name="member"
                dir="ltr"
                value={form.member}
                onChange={(e) => set('member', e.target.value)}
              />
            </Field>
          </div>
          {form.channel === 'email' ? (
            <Field name="subject" label={t('setSubject')} error={err('subject')}>
              <input
                name="subject"
                dir={form.language === 'fa' ? 'rtl' : 'ltr'}
                value={form.subject}
                onChange={(e) => set('subject', e.target.value)}
              />
            </Field>
          ) : null}
          <Field name="body" label={t('setBody')} error={err('body')}>
            <textarea
              name="body"
              rows={6}
              dir={form.language === 'fa' ? 'rtl' : 'ltr'}
              value={form.body}
              onChange={(e) => set('body', e.target.value)}
            />
          </Field>
          {variables ? (
            <p className="muted small" data-testid="template-variables">
              {t('setVariables')}: <span dir="ltr">{variables.map((v) => `{{${v}}}`).join(' ')}</span>
            </p>
          ) : null}
          <div className="actions">
            <button type="submit">{t('save')}</button>
          </div>
          {saved ? <p className="ok">{t('saved')}</p> : null}
          {saveError && !saveError.problem.errors ? (
            <p className="error" role="alert">
              {saveError.problem.detail}
            </p>
          ) : null}
        </div>
        <div data-testid="template-preview">
          <h3>{t('setPreview')}</h3>
          {preview ? (
            <>
              {preview.subject ? (
                <p>
                  <strong dir="auto">{preview.subject}</strong>
                </p>
              ) : null}
              <div
                className="preview"
                dir={form.language === 'fa' ? 'rtl' : 'ltr'}
                data-testid="preview-body"
              >
                {preview.text ?? preview.body}
              </div>
              <p className="muted small" data-testid="preview-characters">
                {t('setCharacters', { n: fmtNumber(preview.characters, lang) })}
              </p>
            </>
          ) : previewError && !previewError.problem.errors ? (
            <p className="error" role="alert">
              {previewError.problem.detail}
            </p>
          ) : null}
        </div>
      </form>
    </Card>
  );
}

interface VocSettingsData {
  slaTargets: Record<
    'low' | 'normal' | 'high' | 'urgent',
    { firstResponseMinutes: number; resolutionMinutes: number }
  >;
  slaWarningPercent: number;
  reopenWindowDays: number;
  surveyCooldownDays: number;
  followUpComplaints: boolean;
}
const VOC_PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const;
const VOC_NUMBERS = [
  ['slaWarningPercent', 'setSlaWarning'],
  ['reopenWindowDays', 'setReopenDays'],
  ['surveyCooldownDays', 'setCooldown'],
] as const;

/** The complaint clock and survey cadence (GET/PATCH /v1/voc/settings); targets are shown in hours. */
function VocSettings() {
  const { t } = useI18n();
  const s = useApi<VocSettingsData>('/v1/voc/settings');
  const [form, setForm] = useState<Record<string, string>>({});
  const [follow, setFollow] = useState(true);
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (!s.data) return;
    const f: Record<string, string> = {};
    for (const [k] of VOC_NUMBERS) f[k] = String(s.data[k]);
    for (const p of VOC_PRIORITIES) {
      f[`${p}.first`] = String(s.data.slaTargets[p].firstResponseMinutes / 60);
      f[`${p}.resolution`] = String(s.data.slaTargets[p].resolutionMinutes / 60);
    }
    setForm(f);
    setFollow(s.data.followUpComplaints);
  }, [s.data]);
  if (s.error) return null;
  if (!s.data) return <Loading />;

  async function save(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setSaved(false);
    const body: Record<string, unknown> = { followUpComplaints: follow };
    for (const [k] of VOC_NUMBERS) body[k] = Number(form[k]);
    body.slaTargets = Object.fromEntries(
      VOC_PRIORITIES.map((p) => [
        p,
        {
          firstResponseMinutes: Math.round(Number(form[`${p}.first`]) * 60),
          resolutionMinutes: Math.round(Number(form[`${p}.resolution`]) * 60),
        },
      ]),
    );
    try {
      await api('PATCH', '/v1/voc/settings', body);
      setSaved(true);
      s.reload();
    } catch (err) {
      if (err instanceof ApiError) setError(err);
      else throw err;
    }
  }
  return (
    <Card title={t('setVocSettings')} testId="voc-settings">
      <form className="form-grid" onSubmit={save} noValidate>
        {VOC_NUMBERS.map(([k, label]) => (
          <Field key={k} name={k} label={t(label)} error={error?.fieldError(k)}>
            <input
              name={k}
              type="number"
              dir="ltr"
              value={form[k] ?? ''}
              onChange={(e) => setForm({ ...form, [k]: e.target.value })}
            />
          </Field>
        ))}
        <label className="check">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} />
          {t('setFollowUp')}
        </label>
        <div className="actions">
          <table data-testid="sla-targets">
            <caption>{t('setSlaTargets')}</caption>
            <thead>
              <tr>
                <th>{t('vocPriority')}</th>
                <th>{t('setFrHours')}</th>
                <th>{t('setResHours')}</th>
              </tr>
            </thead>
            <tbody>
              {VOC_PRIORITIES.map((p) => (
                <tr key={p}>
                  <td>{t(`vocPriority_${p}`)}</td>
                  {(['first', 'resolution'] as const).map((part) => {
                    const field = `slaTargets.${p}.${part === 'first' ? 'firstResponseMinutes' : 'resolutionMinutes'}`;
                    const message = error?.fieldError(field);
                    return (
                      <td key={part}>
                        <input
                          type="number"
                          step="0.25"
                          dir="ltr"
                          name={field}
                          aria-label={`${t(`vocPriority_${p}`)} — ${t(part === 'first' ? 'setFrHours' : 'setResHours')}`}
                          aria-invalid={message ? true : undefined}
                          value={form[`${p}.${part}`] ?? ''}
                          onChange={(e) => setForm({ ...form, [`${p}.${part}`]: e.target.value })}
                        />
                        {message ? (
                          <small className="field-error" role="alert">
                            {message}
                          </small>
                        ) : null}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div className="actions">
          <button type="submit">{t('save')}</button>
        </div>
        {saved ? <p className="ok">{t('saved')}</p> : null}
        {error && !error.problem.errors ? (
          <p className="error" role="alert">
            {error.problem.detail}
          </p>
        ) : null}
      </form>
    </Card>
  );
}
