import { type FormEvent, useEffect, useState } from 'react';
import { ApiError, api, enc } from '../api.js';
import { fmtDate } from '../format.js';
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
    </div>
  );
}
