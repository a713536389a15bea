import { type FormEvent, Fragment, useState } from 'react';
import { fmtDateTime } from '../format.js';
import { useApi } from '../hooks.js';
import { useI18n } from '../i18n.js';
import type * as strings from '../strings/security.js';
import { Card, Forbidden, LoadError, Loading, type Role } from '../ui.js';

interface AuditEntry {
  id: string;
  at: string;
  actor: { kind: 'staff' | 'api_key'; id: string; label: string | null };
  method: string;
  route: string;
  path: string;
  resource: { type: string; id: string | null };
  status: number | null;
  before: unknown;
  after: unknown;
  requestId: string;
  redactedAt: string | null;
}

interface AuditPage {
  items: AuditEntry[];
  nextCursor: string | null;
}

type Key = keyof typeof strings.fa;

/** The top-level fields whose values differ, so a long snapshot shows what the change was. */
function changedFields(before: unknown, after: unknown): string[] {
  const a = (before ?? {}) as Record<string, unknown>;
  const b = (after ?? {}) as Record<string, unknown>;
  if (typeof a !== 'object' || typeof b !== 'object') return [];
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter(
    (k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]),
  );
}

function Snapshot(props: { value: unknown; changed: string[]; nothing: string }) {
  if (props.value === null || props.value === undefined) return <p className="muted">{props.nothing}</p>;
  if (typeof props.value !== 'object' || Array.isArray(props.value))
    return <pre dir="ltr">{JSON.stringify(props.value, null, 2)}</pre>;
  return (
    <pre dir="ltr">
      {Object.entries(props.value as Record<string, unknown>).map(([k, v]) => (
        <div key={k} className={props.changed.includes(k) ? 'changed' : undefined}>
          {`${k}: ${JSON.stringify(v)}`}
        </div>
      ))}
    </pre>
  );
}

/** The owner's view of the audit log: newest first, filtered by actor and resource, each change opened in place. */
export function AuditLogPage(props: { role: Role }) {
  const { t: s, lang } = useI18n();
  const [actor, setActor] = useState('');
  const [resource, setResource] = useState('');
  const [query, setQuery] = useState('');
  const [pages, setPages] = useState<string[]>(['']);
  const [open, setOpen] = useState<string | null>(null);

  if (props.role !== 'owner') return <Forbidden role={props.role} />;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const q = new URLSearchParams();
    if (actor.trim()) q.set('actor', actor.trim());
    if (resource.trim()) q.set('resource', resource.trim());
    setQuery(q.toString());
    setPages(['']);
  };

  return (
    <div className="page" data-testid="audit-log">
      <Card title={s('secAuditTitle')}>
        <p className="muted">{s('secAuditIntro')}</p>
        <form className="searchbar" onSubmit={submit}>
          <input
            aria-label={s('secFilterActor')}
            placeholder={s('secFilterActor')}
            value={actor}
            onChange={(e) => setActor(e.target.value)}
            data-testid="audit-actor"
          />
          <input
            aria-label={s('secFilterResource')}
            placeholder={s('secFilterResource')}
            value={resource}
            onChange={(e) => setResource(e.target.value)}
            dir="ltr"
            data-testid="audit-resource"
          />
          <button type="submit">{s('secApplyFilters')}</button>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setActor('');
              setResource('');
              setQuery('');
              setPages(['']);
            }}
          >
            {s('secClearFilters')}
          </button>
        </form>
        <table data-testid="audit-table">
          <thead>
            <tr>
              <th>{s('secColWhen')}</th>
              <th>{s('secColWho')}</th>
              <th>{s('secColWhat')}</th>
              <th>{s('secColResource')}</th>
              <th>{s('secColStatus')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {pages.map((cursor, i) => (
              <AuditRows
                key={`${query}|${cursor}`}
                path={`/v1/audit-log?${[query, cursor ? `cursor=${cursor}` : '', 'limit=50'].filter(Boolean).join('&')}`}
                role={props.role}
                isLast={i === pages.length - 1}
                onMore={(next) => setPages((p) => [...p, next])}
                open={open}
                setOpen={setOpen}
                s={s}
                lang={lang}
              />
            ))}
          </tbody>
        </table>
      </Card>
    </div>
  );
}

function AuditRows(props: {
  path: string;
  role: Role;
  isLast: boolean;
  onMore: (cursor: string) => void;
  open: string | null;
  setOpen: (id: string | null) => void;
  s: (key: Key, vars?: Record<string, string | number>) => string;
  lang: 'fa' | 'en';
}) {
  const { data, error } = useApi<AuditPage>(props.path);
  const { s } = props;
  if (error)
    return (
      <tr>
        <td colSpan={6}>
          <LoadError error={error} role={props.role} />
        </td>
      </tr>
    );
  if (!data)
    return (
      <tr>
        <td colSpan={6}>
          <Loading />
        </td>
      </tr>
    );
  return (
    <>
      {data.items.length === 0 && props.path.indexOf('cursor=') < 0 ? (
        <tr>
          <td colSpan={6} className="muted">
            {s('secEmpty')}
          </td>
        </tr>
      ) : null}
      {data.items.map((e) => {
        const changed = changedFields(e.before, e.after);
        const isOpen = props.open === e.id;
        return (
          <Fragment key={e.id}>
            <tr data-testid="audit-row">
              <td>{fmtDateTime(e.at, props.lang)}</td>
              <td>
                <span className="badge">
                  {e.actor.kind === 'staff' ? s('secActorStaff') : s('secActorKey')}
                </span>{' '}
                <span dir="ltr">{e.actor.label ?? e.actor.id}</span>
              </td>
              <td dir="ltr">
                {e.method} {e.route}
              </td>
              <td dir="ltr">
                {e.resource.type}
                {e.resource.id ? `:${e.resource.id}` : ''}
              </td>
              <td>{e.status === null ? s('secStatusUnknown') : e.status}</td>
              <td>
                <button
                  type="button"
                  className="secondary"
                  onClick={() => props.setOpen(isOpen ? null : e.id)}
                >
                  {isOpen ? s('secHideChange') : s('secShowChange')}
                </button>
              </td>
            </tr>
            {isOpen ? (
              <tr data-testid="audit-change">
                <td colSpan={6}>
                  {e.redactedAt ? <p className="muted">{s('secRedacted')}</p> : null}
                  {changed.length > 0 ? (
                    <p className="muted">{s('secChangedFields', { n: changed.length })}</p>
                  ) : null}
                  <div className="audit-diff">
                    <div>
                      <h3>{s('secBefore')}</h3>
                      <Snapshot value={e.before} changed={changed} nothing={s('secNothing')} />
                    </div>
                    <div>
                      <h3>{s('secAfter')}</h3>
                      <Snapshot value={e.after} changed={changed} nothing={s('secNothing')} />
                    </div>
                  </div>
                </td>
              </tr>
            ) : null}
          </Fragment>
        );
      })}
      {props.isLast && data.nextCursor ? (
        <tr>
          <td colSpan={6}>
            <button type="button" className="secondary" onClick={() => props.onMore(data.nextCursor!)}>
              {s('secMore')}
            </button>
          </td>
        </tr>
      ) : null}
    </>
  );
}
