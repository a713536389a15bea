import { type FormEvent, type ReactNode, useMemo, useState } from 'react';
import { ApiError, api, enc } from '../api.js';
import { fmtDateTime, fmtNumber } from '../format.js';
import { useApi } from '../hooks.js';
import { useI18n } from '../i18n.js';
import { navigate } from '../router.js';
import { Card, Field, LoadError, Loading, type Role } from '../ui.js';
import {
  type Complaint,
  type ComplaintStatus,
  canWorkComplaints,
  PRIORITIES,
  type Priority,
  priorityKey,
  SlaTimer,
  statusKey,
  type TimelineEntry,
  useNow,
  VocTabs,
} from './VocCommon.js';

interface Named {
  key: string;
  nameFa: string;
  nameEn?: string | null;
}

/**
 * The server's state machine (src/modules/voc/complaints.schema.ts), so the form offers only moves
 * that can succeed; the server still checks and its refusal is shown in place.
 */
const NEXT: Record<ComplaintStatus, ComplaintStatus[]> = {
  new: ['acknowledged', 'in_progress', 'waiting_on_customer', 'resolved'],
  acknowledged: ['in_progress', 'waiting_on_customer', 'resolved'],
  in_progress: ['waiting_on_customer', 'resolved'],
  waiting_on_customer: ['in_progress', 'resolved'],
  resolved: ['closed', 'reopened'],
  reopened: ['in_progress', 'waiting_on_customer', 'resolved'],
  closed: [],
};

export function VocComplaintPage(props: { id: string; role: Role; me: string }) {
  const { t, lang } = useI18n();
  const now = useNow(10_000);
  const c = useApi<Complaint>(`/v1/complaints/${enc(props.id)}`);
  const causes = useApi<{ items: Named[] }>('/v1/complaints/root-causes');
  const cats = useApi<{ items: Named[] }>('/v1/complaints/categories');
  const nameOf = useMemo(() => {
    const m = new Map<string, string>();
    for (const x of [...(cats.data?.items ?? []), ...(causes.data?.items ?? [])])
      m.set(x.key, lang === 'en' && x.nameEn ? x.nameEn : x.nameFa);
    return (k: string | null) => (k ? (m.get(k) ?? k) : '—');
  }, [cats.data, causes.data, lang]);

  if (c.error) return <LoadError error={c.error} role={props.role} />;
  if (!c.data) return <Loading />;
  const x = c.data;
  const work = canWorkComplaints(props.role);
  const link = (path: string, label: ReactNode) => (
    <a
      href={`/admin${path}`}
      onClick={(e) => {
        e.preventDefault();
        navigate(path);
      }}
    >
      {label}
    </a>
  );

  return (
    <div className="page">
      <h1>{t('navVoc')}</h1>
      <VocTabs current="queue" />
      <h2 data-testid="complaint-title">
        {t('vocComplaint')} <span dir="ltr">{x.id}</span> ·{' '}
        <span data-testid="complaint-status" data-status={x.status}>
          {t(statusKey(x.status))}
        </span>
      </h2>
      <div className="grid3">
        <Card title={t('vocComplaint')} testId="complaint-details">
          <dl>
            <dt>{t('vocMember')}</dt>
            <dd dir="ltr">{link(`/members/${enc(x.memberExternalId)}`, x.memberExternalId)}</dd>
            <dt>{t('vocOrder')}</dt>
            <dd dir="ltr">{x.orderExternalId ?? '—'}</dd>
            <dt>{t('vocCategory')}</dt>
            <dd>{nameOf(x.category)}</dd>
            <dt>{t('vocChannel')}</dt>
            <dd>{t(`vocChannel_${x.channel}`)}</dd>
            <dt>{t('vocPriority')}</dt>
            <dd>
              <span className={`prio prio-${x.priority}`}>{t(priorityKey(x.priority))}</span>
            </dd>
            <dt>{t('vocAssignee')}</dt>
            <dd dir="auto" data-testid="complaint-assignee">
              {x.assignee ?? t('vocUnassigned')}
            </dd>
            <dt>{t('vocCreated')}</dt>
            <dd>{fmtDateTime(x.createdAt, lang)}</dd>
            <dt>{t('vocRootCause')}</dt>
            <dd data-testid="complaint-root-cause">{nameOf(x.rootCause)}</dd>
          </dl>
          {x.previousComplaintId ? (
            <p className="muted">
              {t('vocPrevious')}{' '}
              {link(`/voc/complaints/${enc(x.previousComplaintId)}`, x.previousComplaintId)}
            </p>
          ) : null}
          {x.surveyResponseId ? <p className="muted">{t('vocFromSurvey')}</p> : null}
        </Card>
        <Card title="SLA" testId="complaint-sla">
          <dl>
            <dt>{t('vocFirstResponse')}</dt>
            <dd>
              <SlaTimer part={x.sla.firstResponse} paused={x.sla.paused} now={now} testId="sla-first" />
            </dd>
            <dt>{t('vocResolution')}</dt>
            <dd>
              <SlaTimer part={x.sla.resolution} paused={x.sla.paused} now={now} testId="sla-resolution" />
            </dd>
          </dl>
          <p className="muted small">
            {t('vocUsedOfTarget', {
              used: fmtNumber(x.sla.resolution.usedMinutes, lang),
              target: fmtNumber(x.sla.resolution.targetMinutes, lang),
            })}
          </p>
        </Card>
        <Card title={t('vocDescription')}>
          <p dir="auto" className="prewrap">
            {x.description}
          </p>
          {x.attachments.length ? (
            <>
              <h3>{t('vocAttachments')}</h3>
              <ul>
                {x.attachments.map((a) => (
                  <li key={a.url}>
                    <a href={a.url} target="_blank" rel="noreferrer noopener" dir="ltr">
                      {a.name ?? a.url}
                    </a>
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </Card>
      </div>
      {work ? (
        <Actions c={x} me={props.me} causes={causes.data?.items ?? []} nameOf={nameOf} onDone={c.reload} />
      ) : (
        <p className="muted">{t('vocReadOnly')}</p>
      )}
      <Card title={t('vocTimeline')} testId="complaint-timeline">
        <ol className="timeline">
          {(x.timeline ?? []).map((e) => (
            <Entry key={e.seq} e={e} nameOf={nameOf} />
          ))}
        </ol>
      </Card>
    </div>
  );
}

function Entry(props: { e: TimelineEntry; nameOf: (k: string | null) => string }) {
  const { t, lang } = useI18n();
  const { e } = props;
  const comp =
    e.kind === 'compensation' && e.details ? (e.details as { points?: number; couponCode?: string }) : null;
  return (
    <li className={`tl tl-${e.kind}`} data-testid="timeline-entry" data-kind={e.kind}>
      <div className="tl-head">
        <strong>{t(`vocKind_${e.kind}`)}</strong>
        {e.toStatus ? (
          <span>
            {' '}
            {e.fromStatus ? `${t(statusKey(e.fromStatus))} ${lang === 'fa' ? '←' : '→'} ` : ''}
            {t(statusKey(e.toStatus))}
          </span>
        ) : null}
        <span className="muted">
          {' · '}
          {t(`vocAuthor_${e.authorType}`)}
          {e.author ? (
            <>
              {' '}
              <bdi>{e.author}</bdi>
            </>
          ) : null}
          {' · '}
          {fmtDateTime(e.at, lang)}
        </span>
      </div>
      {e.customerNote ? (
        <p dir="auto" className="prewrap">
          <span className="muted">{t('vocCustomerNote')}: </span>
          {e.customerNote}
        </p>
      ) : null}
      {e.internalNote ? (
        <p dir="auto" className="prewrap internal">
          <span className="muted">{t('vocInternalNote')}: </span>
          {e.internalNote}
        </p>
      ) : null}
      {e.kind === 'status' && e.details && typeof e.details.rootCause === 'string' ? (
        <p>
          <span className="muted">{t('vocRootCause')}: </span>
          {props.nameOf(e.details.rootCause)}
        </p>
      ) : null}
      {comp ? (
        <p>
          {t('vocCompensation', {
            what: [
              comp.points ? `${fmtNumber(comp.points, lang)} ${t('points')}` : '',
              comp.couponCode ? comp.couponCode : '',
            ]
              .filter(Boolean)
              .join(' · '),
          })}
        </p>
      ) : null}
    </li>
  );
}

/** Staff actions, each its own small form so that one's validation errors never hide another's. */
function Actions(props: {
  c: Complaint;
  me: string;
  causes: Named[];
  nameOf: (k: string | null) => string;
  onDone: () => void;
}) {
  const { t } = useI18n();
  const { c } = props;
  const closed = c.status === 'closed';
  return (
    <div className="grid2" data-testid="complaint-actions">
      {closed ? (
        <p className="muted">{t('vocClosedNoActions')}</p>
      ) : (
        <>
          <Transition {...props} />
          <Assign {...props} />
          <TextAction
            testId="reply-form"
            title={t('vocReply')}
            submit={t('vocReplySend')}
            send={(text) =>
              api('POST', `/v1/complaints/${enc(c.id)}/replies`, {
                from: 'staff',
                message: text,
                author: props.me,
              })
            }
            field="message"
            label={t('vocCustomerNote')}
            onDone={props.onDone}
          />
        </>
      )}
      <TextAction
        testId="note-form"
        title={t('vocNote')}
        submit={t('vocNoteAdd')}
        send={(text) => api('POST', `/v1/complaints/${enc(c.id)}/notes`, { note: text, author: props.me })}
        field="note"
        label={t('vocInternalNote')}
        onDone={props.onDone}
      />
    </div>
  );
}

function useSubmit(onDone: () => void) {
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  async function run(fn: () => Promise<unknown>, after?: () => void) {
    setError(null);
    setDone(false);
    setBusy(true);
    try {
      await fn();
      setDone(true);
      after?.();
      onDone();
    } catch (err) {
      if (err instanceof ApiError) setError(err);
      else throw err;
    } finally {
      setBusy(false);
    }
  }
  return { error, busy, done, run };
}

function FormFooter(props: { error: ApiError | null; done: boolean; fields: string[] }) {
  const { t } = useI18n();
  const e = props.error;
  // A problem that names none of this form's fields (a refused move, a missing complaint) still shows.
  const shown = e && !(e.problem.errors ?? []).some((x) => props.fields.includes(x.field));
  return (
    <>
      {shown ? (
        <p className="error" role="alert">
          {e.problem.detail}
        </p>
      ) : null}
      {props.done && !e ? <p className="ok">{t('vocDone')}</p> : null}
    </>
  );
}

function TextAction(props: {
  testId: string;
  title: string;
  submit: string;
  field: string;
  label: string;
  send: (text: string) => Promise<unknown>;
  onDone: () => void;
}) {
  const [text, setText] = useState('');
  const s = useSubmit(props.onDone);
  return (
    <Card title={props.title} testId={props.testId}>
      <form
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          void s.run(
            () => props.send(text),
            () => setText(''),
          );
        }}
      >
        <Field name={props.field} label={props.label} error={s.error?.fieldError(props.field)}>
          <textarea
            name={props.field}
            rows={3}
            dir="auto"
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
        </Field>
        <div className="actions">
          <button type="submit" disabled={s.busy}>
            {props.submit}
          </button>
        </div>
        <FormFooter error={s.error} done={s.done} fields={[props.field]} />
      </form>
    </Card>
  );
}

function Assign(props: { c: Complaint; me: string; onDone: () => void }) {
  const { t } = useI18n();
  const [assignee, setAssignee] = useState(props.c.assignee ?? '');
  const [priority, setPriority] = useState<Priority>(props.c.priority);
  const s = useSubmit(props.onDone);
  const save = (who: string) =>
    s.run(() =>
      api('PATCH', `/v1/complaints/${enc(props.c.id)}`, { assignee: who.trim() || null, priority }),
    );
  return (
    <Card title={t('vocAssign')} testId="assign-form">
      <form
        className="form-grid"
        onSubmit={(e) => {
          e.preventDefault();
          void save(assignee);
        }}
      >
        <Field name="assignee" label={t('vocAssignee')} error={s.error?.fieldError('assignee')}>
          <input name="assignee" dir="auto" value={assignee} onChange={(e) => setAssignee(e.target.value)} />
        </Field>
        <Field name="priority" label={t('vocPriority')} error={s.error?.fieldError('priority')}>
          <select name="priority" value={priority} onChange={(e) => setPriority(e.target.value as Priority)}>
            {PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {t(priorityKey(p))}
              </option>
            ))}
          </select>
        </Field>
        <div className="actions">
          <button type="submit" disabled={s.busy}>
            {t('save')}
          </button>
          <button
            type="button"
            className="secondary"
            disabled={s.busy}
            data-testid="assign-me"
            onClick={() => {
              setAssignee(props.me);
              void save(props.me);
            }}
          >
            {t('vocAssignMe')}
          </button>
        </div>
        <FormFooter error={s.error} done={s.done} fields={['assignee', 'priority']} />
      </form>
    </Card>
  );
}

function Transition(props: {
  c: Complaint;
  me: string;
  causes: Named[];
  nameOf: (k: string | null) => string;
  onDone: () => void;
}) {
  const { t } = useI18n();
  const options = NEXT[props.c.status];
  const [to, setTo] = useState<ComplaintStatus>(options[0] ?? 'closed');
  const [customerNote, setCustomerNote] = useState('');
  const [internalNote, setInternalNote] = useState('');
  const [rootCause, setRootCause] = useState('');
  const [points, setPoints] = useState('');
  const [coupon, setCoupon] = useState('');
  const s = useSubmit(props.onDone);
  const target = options.includes(to) ? to : (options[0] ?? 'closed');
  const resolving = target === 'resolved';
  function submit(e: FormEvent) {
    e.preventDefault();
    const body: Record<string, unknown> = { to: target, author: props.me };
    if (customerNote.trim()) body.customerNote = customerNote;
    if (internalNote.trim()) body.internalNote = internalNote;
    if (resolving) {
      if (rootCause) body.rootCause = rootCause;
      const compensation: Record<string, unknown> = {};
      if (points.trim()) compensation.points = Number(points);
      if (coupon.trim()) compensation.couponCode = coupon.trim();
      if (Object.keys(compensation).length) body.compensation = compensation;
    }
    void s.run(
      () => api('POST', `/v1/complaints/${enc(props.c.id)}/transitions`, body),
      () => {
        setCustomerNote('');
        setInternalNote('');
        setPoints('');
        setCoupon('');
      },
    );
  }
  const err = (f: string) => s.error?.fieldError(f);
  return (
    <Card title={t('vocMove')} testId="transition-form">
      <form className="form-grid" onSubmit={submit} noValidate>
        <Field name="to" label={t('vocMoveTo')} error={err('to')}>
          <select name="to" value={target} onChange={(e) => setTo(e.target.value as ComplaintStatus)}>
            {options.map((o) => (
              <option key={o} value={o}>
                {t(statusKey(o))}
              </option>
            ))}
          </select>
        </Field>
        {resolving ? (
          <Field name="rootCause" label={t('vocRootCause')} error={err('rootCause')}>
            <select name="rootCause" value={rootCause} onChange={(e) => setRootCause(e.target.value)}>
              <option value="">—</option>
              {props.causes.map((c) => (
                <option key={c.key} value={c.key}>
                  {props.nameOf(c.key)}
                </option>
              ))}
            </select>
          </Field>
        ) : null}
        <Field name="customerNote" label={t('vocCustomerNote')} error={err('customerNote')}>
          <textarea
            name="customerNote"
            rows={2}
            dir="auto"
            value={customerNote}
            onChange={(e) => setCustomerNote(e.target.value)}
          />
        </Field>
        <Field name="internalNote" label={t('vocInternalNote')} error={err('internalNote')}>
          <textarea
            name="internalNote"
            rows={2}
            dir="auto"
            value={internalNote}
            onChange={(e) => setInternalNote(e.target.value)}
          />
        </Field>
        {resolving ? (
          <>
            <Field name="compensation.points" label={t('vocCompPoints')} error={err('compensation.points')}>
              <input
                name="compensation.points"
                type="number"
                dir="ltr"
                value={points}
                onChange={(e) => setPoints(e.target.value)}
              />
            </Field>
            <Field
              name="compensation.couponCode"
              label={t('vocCouponCode')}
              error={err('compensation.couponCode')}
            >
              <input
                name="compensation.couponCode"
                dir="ltr"
                value={coupon}
                onChange={(e) => setCoupon(e.target.value)}
              />
            </Field>
          </>
        ) : null}
        <div className="actions">
          <button type="submit" disabled={s.busy || options.length === 0}>
            {t('vocMove')}
          </button>
        </div>
        <FormFooter
          error={s.error}
          done={s.done}
          fields={[
            'to',
            'rootCause',
            'customerNote',
            'internalNote',
            'compensation.points',
            'compensation.couponCode',
          ]}
        />
      </form>
    </Card>
  );
}
