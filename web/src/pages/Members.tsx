import { type FormEvent, useState } from 'react';
import { enc } from '../api.js';
import { fmtDate } from '../format.js';
import { useApi } from '../hooks.js';
import { useI18n } from '../i18n.js';
import { navigate } from '../router.js';
import { Card, LoadError, Loading, type Role } from '../ui.js';

export interface Member {
  id: string;
  externalId: string;
  firstName: string | null;
  lastName: string | null;
  mobile: string | null;
  email: string | null;
  city: string | null;
  province: string | null;
  birthDate: string | null;
  consentSms: boolean;
  consentEmail: boolean;
  createdAt: string;
}

export const fullName = (m: Member) => [m.firstName, m.lastName].filter(Boolean).join(' ') || m.externalId;

export function MembersPage(props: { role: Role }) {
  const { t, lang } = useI18n();
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const [cursor, setCursor] = useState<string | null>(null);
  const path = `/v1/members?limit=25${query ? `&q=${enc(query)}` : ''}${cursor ? `&cursor=${enc(cursor)}` : ''}`;
  const { data, error } = useApi<{ items: Member[]; nextCursor: string | null }>(path);
  function submit(e: FormEvent) {
    e.preventDefault();
    setCursor(null);
    setQuery(q.trim());
  }
  return (
    <div className="page">
      <h1>{t('navMembers')}</h1>
      {/* biome-ignore lint/a11y/useSemanticElements: <search> is not yet in React's element types. */}
      <form className="searchbar" onSubmit={submit} role="search">
        <input
          name="q"
          type="search"
          placeholder={t('searchMembers')}
          aria-label={t('searchMembers')}
          value={q}
          onChange={(e) => setQ(e.target.value)}
        />
        <button type="submit">{t('search')}</button>
      </form>
      <Card>
        {error ? <LoadError error={error} role={props.role} /> : null}
        {!data && !error ? <Loading /> : null}
        {data && data.items.length === 0 ? <p className="muted">{t('noResults')}</p> : null}
        {data && data.items.length > 0 ? (
          <table data-testid="members-table">
            <thead>
              <tr>
                <th>{t('name')}</th>
                <th>{t('externalId')}</th>
                <th>{t('mobile')}</th>
                <th>{t('city')}</th>
                <th>{t('joined')}</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((m) => (
                <tr key={m.id}>
                  <td>
                    <a
                      href={`/admin/members/${enc(m.externalId)}`}
                      onClick={(e) => {
                        e.preventDefault();
                        navigate(`/members/${enc(m.externalId)}`);
                      }}
                    >
                      {fullName(m)}
                    </a>
                  </td>
                  <td dir="ltr">{m.externalId}</td>
                  <td dir="ltr">{m.mobile ?? '—'}</td>
                  <td>{m.city ?? '—'}</td>
                  <td>{fmtDate(m.createdAt, lang)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        {data?.nextCursor ? (
          <button type="button" className="secondary" onClick={() => setCursor(data.nextCursor)}>
            {t('more')}
          </button>
        ) : null}
      </Card>
    </div>
  );
}
