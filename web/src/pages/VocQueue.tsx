import { useMemo, useState } from 'react';
import { enc } from '../api.js';
import { fmtDateTime, fmtNumber } from '../format.js';
import { useApi } from '../hooks.js';
import { useI18n } from '../i18n.js';
import { navigate } from '../router.js';
import { Card, LoadError, Loading, type Role } from '../ui.js';
import {
  type Complaint,
  type ComplaintStatus,
  PRIORITIES,
  type Priority,
  priorityKey,
  SlaTimer,
  STATUSES,
  statusKey,
  useNow,
  VocTabs,
} from './VocCommon.js';

interface QueueCount {
  complaints: number;
  warning: number;
  breached: number;
}
interface QueueReport {
  open: QueueCount;
  byStatus: Array<QueueCount & { status: ComplaintStatus }>;
  byPriority: Array<QueueCount & { priority: Priority }>;
  byAssignee: Array<QueueCount & { assignee: string | null }>;
}

const PAGE = 50;

export function VocQueuePage(props: { role: Role; me: string }) {
  const { t, lang } = useI18n();
  const now = useNow();
  // '' = every status, 'open' = not resolved or closed (the default: the work still to do).
  const [status, setStatus] = useState<ComplaintStatus | 'open' | ''>('open');
  const [priority, setPriority] = useState<Priority | ''>('');
  const [assignee, setAssignee] = useState('');
  const [sla, setSla] = useState<'' | 'warning' | 'breached'>('');
  const [pages, setPages] = useState<string[]>(['']);
  const queue = useApi<QueueReport>('/v1/complaints/reports/queue');
  const query = useMemo(() => {
    const q = new URLSearchParams({ limit: String(PAGE) });
    if (status === 'open') q.set('isOpen', 'true');
    else if (status) q.set('status', status);
    if (priority) q.set('priority', priority);
    if (assignee.trim()) q.set('assignee', assignee.trim());
    if (sla) q.set('slaState', sla);
    return q.toString();
  }, [status, priority, assignee, sla]);
  const reset = () => setPages(['']);

  return (
    <div className="page">
      <h1>{t('navVoc')}</h1>
      <VocTabs current="queue" />
      {queue.error ? <LoadError error={queue.error} role={props.role} /> : null}
      {queue.data ? (
        <div className="kpis" data-testid="queue-summary">
          <Card title={t('vocQueueOpen')} testId="queue-open">
            <p className="kpi">{fmtNumber(queue.data.open.complaints, lang)}</p>
            <p className="muted">
              <button
                type="button"
                className="link"
                onClick={() => {
                  setSla('breached');
                  reset();
                }}
              >
                {t('vocQueueBreached')}: {fmtNumber(queue.data.open.breached, lang)}
              </button>
              {' · '}
              <button
                type="button"
                className="link"
                onClick={() => {
                  setSla('warning');
                  reset();
                }}
              >
                {t('vocQueueWarning')}: {fmtNumber(queue.data.open.warning, lang)}
              </button>
            </p>
          </Card>
          <Card title={t('vocByStatus')}>
            <ul className="chips">
              {queue.data.byStatus.map((s) => (
                <li key={s.status}>
                  <button
                    type="button"
                    className={`chip ${status === s.status ? 'active' : ''}`}
                    onClick={() => {
                      setStatus(s.status);
                      reset();
                    }}
                  >
                    {t(statusKey(s.status))} {fmtNumber(s.complaints, lang)}
                    {s.breached ? (
                      <span className="sla sla-breached">{fmtNumber(s.breached, lang)}</span>
                    ) : null}
                  </button>
                </li>
              ))}
            </ul>
          </Card>
          <Card title={t('vocByAssignee')}>
            <ul className="chips">
              {queue.data.byAssignee.slice(0, 8).map((a) => (
                <li key={a.assignee ?? ''}>
                  {a.assignee ? (
                    <button
                      type="button"
                      className={`chip ${assignee === a.assignee ? 'active' : ''}`}
                      onClick={() => {
                        setAssignee(a.assignee ?? '');
                        reset();
                      }}
                    >
                      {a.assignee} {fmtNumber(a.complaints, lang)}
                    </button>
                  ) : (
                    <span className="chip">
                      {t('vocUnassigned')} {fmtNumber(a.complaints, lang)}
                    </span>
                  )}
                </li>
              ))}
            </ul>
          </Card>
        </div>
      ) : null}
      <Card testId="complaint-queue">
        <form className="inline-form" onSubmit={(e) => e.preventDefault()} data-testid="queue-filters">
          <select
            name="status"
            aria-label={t('status')}
            value={status}
            onChange={(e) => {
              setStatus(e.target.value as ComplaintStatus | 'open' | '');
              reset();
            }}
          >
            <option value="open">{t('vocOpenOnly')}</option>
            <option value="">{t('vocAllStatuses')}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(statusKey(s))}
              </option>
            ))}
          </select>
          <select
            name="priority"
            aria-label={t('vocPriority')}
            value={priority}
            onChange={(e) => {
              setPriority(e.target.value as Priority | '');
              reset();
            }}
          >
            <option value="">{t('vocAllPriorities')}</option>
            {PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {t(priorityKey(p))}
              </option>
            ))}
          </select>
          <select
            name="sla"
            aria-label={t('vocAnySla')}
            value={sla}
            onChange={(e) => {
              setSla(e.target.value as '' | 'warning' | 'breached');
              reset();
            }}
          >
            <option value="">{t('vocAnySla')}</option>
            <option value="warning">{t('vocFlagWarning')}</option>
            <option value="breached">{t('vocFlagBreached')}</option>
          </select>
          <input
            name="assignee"
            list="voc-assignees"
            placeholder={t('vocAnyAssignee')}
            aria-label={t('vocAssignee')}
            dir="auto"
            value={assignee}
            onChange={(e) => {
              setAssignee(e.target.value);
              reset();
            }}
          />
          <datalist id="voc-assignees">
            <option value={props.me} />
            {(queue.data?.byAssignee ?? []).map((a) =>
              a.assignee && a.assignee !== props.me ? <option key={a.assignee} value={a.assignee} /> : null,
            )}
          </datalist>
        </form>
        <table data-testid="queue-table">
          <thead>
            <tr>
              <th>{t('vocComplaint')}</th>
              <th>{t('vocMember')}</th>
              <th>{t('vocPriority')}</th>
              <th>{t('status')}</th>
              <th>{t('vocAssignee')}</th>
              <th>{t('vocFirstResponse')}</th>
              <th>{t('vocResolution')}</th>
            </tr>
          </thead>
          {pages.map((before) => (
            <QueueRows
              key={before}
              query={query}
              before={before}
              now={now}
              role={props.role}
              isLast={pages[pages.length - 1] === before}
              onMore={(c) => setPages([...pages, c])}
            />
          ))}
        </table>
      </Card>
    </div>
  );
}

/** One page of the queue; the next page is fetched only when asked for. */
function QueueRows(p: {
  query: string;
  before: string;
  now: number;
  role: Role;
  isLast: boolean;
  onMore: (cursor: string) => void;
}) {
  const { t, lang } = useI18n();
  const list = useApi<{ items: Complaint[]; nextCursor: string | null }>(
    `/v1/complaints?${p.query}${p.before ? `&before=${enc(p.before)}` : ''}`,
  );
  if (list.error)
    return (
      <tbody>
        <tr>
          <td colSpan={7}>
            <LoadError error={list.error} role={p.role} />
          </td>
        </tr>
      </tbody>
    );
  if (!list.data)
    return (
      <tbody>
        <tr>
          <td colSpan={7}>
            <Loading />
          </td>
        </tr>
      </tbody>
    );
  const { items, nextCursor } = list.data;
  return (
    <tbody>
      {items.length === 0 && !p.before ? (
        <tr>
          <td colSpan={7} className="muted">
            {t('noResults')}
          </td>
        </tr>
      ) : null}
      {items.map((c) => (
        <tr key={c.id} data-testid="queue-row" data-status={c.status}>
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
            <div className="muted small">{fmtDateTime(c.createdAt, lang)}</div>
            <div className="small clamp">{c.description}</div>
          </td>
          <td dir="ltr">{c.memberExternalId}</td>
          <td>
            <span className={`prio prio-${c.priority}`}>{t(priorityKey(c.priority))}</span>
          </td>
          <td>{t(statusKey(c.status))}</td>
          <td dir="auto">{c.assignee ?? <span className="muted">{t('vocUnassigned')}</span>}</td>
          <td>
            <SlaTimer part={c.sla.firstResponse} paused={c.sla.paused} now={p.now} />
          </td>
          <td>
            <SlaTimer part={c.sla.resolution} paused={c.sla.paused} now={p.now} />
          </td>
        </tr>
      ))}
      {nextCursor && p.isLast ? (
        <tr>
          <td colSpan={7}>
            <button type="button" className="secondary" onClick={() => p.onMore(nextCursor)}>
              {t('more')}
            </button>
          </td>
        </tr>
      ) : null}
    </tbody>
  );
}
