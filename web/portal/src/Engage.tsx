import { type FormEvent, type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { fmtDate, fmtDateTime, fmtNumber, fmtToman } from '../../src/format.js';
import { ApiError, api } from './api.js';
import { type MessageKey, useI18n } from './i18n.js';
import { useLoad } from './load.js';

// ---------------------------------------------------------------- complaints

type Status =
  | 'new'
  | 'acknowledged'
  | 'in_progress'
  | 'waiting_on_customer'
  | 'resolved'
  | 'closed'
  | 'reopened';
interface SlaView {
  state: 'ok' | 'warning' | 'breached' | 'met' | 'missed';
  dueAt: string | null;
}
interface ComplaintSummary {
  id: string;
  category: string | null;
  orderExternalId: string | null;
  description: string;
  status: Status;
  previousComplaintId: string | null;
  sla: { paused: boolean; firstResponse: SlaView; resolution: SlaView };
  createdAt: string;
}
interface Complaint extends ComplaintSummary {
  reopenUntil: string | null;
  canConfirm: boolean;
  pointsAwarded?: number;
  timeline: Array<{
    seq: number;
    at: string;
    by: 'member' | 'staff' | 'system';
    kind: 'created' | 'status' | 'note' | 'reply' | 'compensation';
    toStatus: string | null;
    note: string | null;
    compensation: { points: number | null; couponCode: string | null } | null;
  }>;
}
interface Category {
  key: string;
  parentKey: string | null;
  nameFa: string;
  nameEn: string | null;
}

function errorText(err: unknown, fallback: string): string {
  return err instanceof ApiError ? err.problem.detail : fallback;
}

/** The member's complaints: the list, the form for a new one, and one complaint followed to its end. */
export function ComplaintsView(props: { back: ReactNode }) {
  const { t, lang } = useI18n();
  const list = useLoad<{ items: ComplaintSummary[] }>('/me/complaints?limit=50');
  const cats = useLoad<{ items: Category[] }>('/me/complaint-categories');
  const [open, setOpen] = useState<string | null>(null);
  const [writing, setWriting] = useState(false);
  const [notice, setNotice] = useState('');
  const catName = (key: string | null) => {
    const c = cats.data?.items.find((x) => x.key === key);
    return c ? (lang === 'en' && c.nameEn ? c.nameEn : c.nameFa) : null;
  };
  if (open)
    return (
      <ComplaintDetail
        id={open}
        categoryName={catName}
        onBack={() => {
          setOpen(null);
          list.reload();
        }}
        onOpen={setOpen}
      />
    );
  return (
    <section aria-labelledby="complaints-title">
      {props.back}
      <h2 id="complaints-title">{t('complaints')}</h2>
      <p className="muted">{t('complaintsHelp')}</p>
      {notice && (
        <p role="status" className="notice" data-testid="complaint-notice">
          {notice}
        </p>
      )}
      {writing ? (
        <NewComplaint
          categories={cats.data?.items ?? []}
          onCancel={() => setWriting(false)}
          onDone={(c) => {
            setWriting(false);
            setNotice(
              [
                t('complaintSubmitted', { id: c.id }),
                c.pointsAwarded ? t('complaintPoints', { n: fmtNumber(c.pointsAwarded, lang) }) : '',
              ]
                .filter(Boolean)
                .join(' '),
            );
            list.reload();
          }}
        />
      ) : (
        <button type="button" data-testid="new-complaint" onClick={() => setWriting(true)}>
          {t('newComplaint')}
        </button>
      )}
      <section className="card" aria-labelledby="my-complaints-title">
        <h3 id="my-complaints-title">{t('yourComplaints')}</h3>
        {!list.data ? (
          <p>{list.error ? t('genericError') : t('loading')}</p>
        ) : list.data.items.length === 0 ? (
          <p className="muted">{t('noComplaints')}</p>
        ) : (
          <ul className="history" data-testid="complaint-list">
            {list.data.items.map((c) => (
              <li key={c.id}>
                <div className="grow">
                  <strong>{catName(c.category) ?? t('complaintNo', { id: c.id })}</strong>
                  <div className="muted small clip">{c.description}</div>
                  <div className="muted small">{t('filedOn', { date: fmtDate(c.createdAt, lang) })}</div>
                </div>
                <div className="end">
                  <StatusBadge status={c.status} />
                  <button
                    type="button"
                    className="secondary"
                    data-testid={`open-${c.id}`}
                    aria-label={`${t('open')}: ${t('complaintNo', { id: c.id })}`}
                    onClick={() => setOpen(c.id)}
                  >
                    {t('open')}
                  </button>
                </div>
              </li>
            ))}
          </ul>
        )}
      </section>
    </section>
  );
}

function StatusBadge({ status }: { status: Status }) {
  const { t } = useI18n();
  return (
    <span className={`badge st-${status}`} data-testid="complaint-status">
      {t(`st_${status}` as MessageKey)}
    </span>
  );
}

function NewComplaint(props: {
  categories: Category[];
  onCancel: () => void;
  onDone: (c: Complaint) => void;
}) {
  const { t, lang } = useI18n();
  const orders = useLoad<{
    items: Array<{ externalId: string; placedAt: string; totalRials: number }>;
  }>('/me/orders');
  const [category, setCategory] = useState('');
  const [order, setOrder] = useState('');
  const [text, setText] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  // One key per form: a retried tap (a lost answer on a weak connection) files the complaint once.
  const [key] = useState(() => crypto.randomUUID());
  const textRef = useRef<HTMLTextAreaElement>(null);
  const parent = new Map(props.categories.map((c) => [c.key, c]));
  const nameOf = (c: Category) => (lang === 'en' && c.nameEn ? c.nameEn : c.nameFa);
  const pathOf = (c: Category) => {
    const up = c.parentKey ? parent.get(c.parentKey) : undefined;
    return up ? `${nameOf(up)} › ${nameOf(c)}` : nameOf(c);
  };
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (text.trim().length < 5) {
      setError(t('tooShort'));
      textRef.current?.focus();
      return;
    }
    setBusy(true);
    setError('');
    try {
      const c = await api<Complaint>(
        'POST',
        '/me/complaints',
        {
          description: text,
          ...(category ? { category } : {}),
          ...(order ? { orderExternalId: order } : {}),
        },
        { 'idempotency-key': key },
      );
      props.onDone(c);
    } catch (err) {
      setError(errorText(err, t('genericError')));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="card stack" onSubmit={submit} noValidate data-testid="complaint-form">
      <h3>{t('newComplaint')}</h3>
      {props.categories.length > 0 && (
        <>
          <label htmlFor="c-category">{t('complaintCategory')}</label>
          <select id="c-category" value={category} onChange={(e) => setCategory(e.target.value)}>
            <option value="">{t('complaintCategoryNone')}</option>
            {props.categories.map((c) => (
              <option key={c.key} value={c.key}>
                {pathOf(c)}
              </option>
            ))}
          </select>
        </>
      )}
      {(orders.data?.items.length ?? 0) > 0 && (
        <>
          <label htmlFor="c-order">{t('complaintOrder')}</label>
          <select id="c-order" value={order} onChange={(e) => setOrder(e.target.value)}>
            <option value="">{t('complaintOrderNone')}</option>
            {orders.data!.items.map((o) => (
              <option key={o.externalId} value={o.externalId}>
                {t('orderLabel', {
                  id: o.externalId,
                  date: fmtDate(o.placedAt, lang),
                  amount: fmtToman(o.totalRials, lang),
                })}
              </option>
            ))}
          </select>
        </>
      )}
      <label htmlFor="c-text">{t('complaintText')}</label>
      <textarea
        ref={textRef}
        id="c-text"
        rows={5}
        maxLength={5000}
        value={text}
        onChange={(e) => setText(e.target.value)}
        aria-describedby="c-text-help"
        aria-invalid={error ? true : undefined}
        required
      />
      <p id="c-text-help" className="muted small">
        {t('complaintTextHelp')}
      </p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div className="row">
        <button type="submit" disabled={busy}>
          {busy ? t('sending') : t('submitComplaint')}
        </button>
        <button type="button" className="secondary" onClick={props.onCancel}>
          {t('back')}
        </button>
      </div>
    </form>
  );
}

function slaLine(c: Complaint, t: ReturnType<typeof useI18n>['t'], lang: 'fa' | 'en'): string {
  const r = c.sla.resolution;
  if (c.status === 'resolved' || c.status === 'closed')
    return r.state === 'missed' ? t('slaMissed') : t('slaMet');
  if (c.sla.paused) return t('slaPaused');
  if (r.state === 'breached' || c.sla.firstResponse.state === 'breached') return t('slaLate');
  if (c.sla.firstResponse.dueAt)
    return t('slaAnswerBy', { date: fmtDateTime(c.sla.firstResponse.dueAt, lang) });
  return r.dueAt ? t('slaResolveBy', { date: fmtDateTime(r.dueAt, lang) }) : '';
}

function ComplaintDetail(props: {
  id: string;
  categoryName: (key: string | null) => string | null;
  onBack: () => void;
  onOpen: (id: string) => void;
}) {
  const { t, lang } = useI18n();
  const c = useLoad<Complaint>(`/me/complaints/${encodeURIComponent(props.id)}`);
  const [reply, setReply] = useState('');
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState('');
  const [error, setError] = useState('');
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    // Focus moves to the opened complaint, so a screen reader starts reading it.
    heading.current?.focus();
  }, []);
  async function sendReply(e: FormEvent) {
    e.preventDefault();
    if (reply.trim() === '') return;
    setBusy(true);
    setError('');
    try {
      const next = await api<Complaint>('POST', `/me/complaints/${encodeURIComponent(props.id)}/replies`, {
        message: reply,
      });
      setReply('');
      if (next.id !== props.id) {
        props.onOpen(next.id);
        return;
      }
      setNotice(t('replySent'));
      c.reload();
    } catch (err) {
      setError(errorText(err, t('genericError')));
    } finally {
      setBusy(false);
    }
  }
  async function confirm() {
    setBusy(true);
    setError('');
    try {
      await api('POST', `/me/complaints/${encodeURIComponent(props.id)}/confirmation`);
      setNotice(t('confirmedThanks'));
      c.reload();
    } catch (err) {
      setError(errorText(err, t('genericError')));
    } finally {
      setBusy(false);
    }
  }
  const data = c.data;
  return (
    <section aria-labelledby="complaint-title" data-testid="complaint-detail">
      <button type="button" className="link" onClick={props.onBack}>
        {t('back')}
      </button>
      <h2 id="complaint-title" ref={heading} tabIndex={-1}>
        {t('complaintNo', { id: props.id })}
      </h2>
      {!data ? (
        <p>{c.error ? t('genericError') : t('loading')}</p>
      ) : (
        <>
          <div className="card">
            <p>
              <StatusBadge status={data.status} />{' '}
              {data.category && <span className="muted">{props.categoryName(data.category)}</span>}
            </p>
            <p className="pre">{data.description}</p>
            <p className="muted small" data-testid="complaint-sla">
              {slaLine(data, t, lang)}
            </p>
          </div>
          {notice && (
            <p role="status" className="notice">
              {notice}
            </p>
          )}
          <section className="card" aria-labelledby="timeline-title">
            <h3 id="timeline-title">{t('timeline')}</h3>
            <ol className="timeline" data-testid="timeline">
              {data.timeline.map((e) => (
                <li key={e.seq} className={`by-${e.by}`}>
                  <div className="small muted">
                    {t(e.by === 'member' ? 'byMember' : e.by === 'staff' ? 'byStaff' : 'bySystem')} ·{' '}
                    {fmtDateTime(e.at, lang)}
                  </div>
                  <strong>
                    {e.kind === 'status' && e.toStatus
                      ? t(`st_${e.toStatus}` as MessageKey)
                      : t(`k_${e.kind}` as MessageKey)}
                  </strong>
                  {e.note && <p className="pre">{e.note}</p>}
                  {e.compensation?.points ? (
                    <p>{t('compensationPoints', { n: fmtNumber(e.compensation.points, lang) })}</p>
                  ) : null}
                  {e.compensation?.couponCode ? (
                    <p>
                      {t('compensationCoupon')}{' '}
                      <code dir="ltr" className="coupon">
                        {e.compensation.couponCode}
                      </code>
                    </p>
                  ) : null}
                </li>
              ))}
            </ol>
          </section>
          {data.canConfirm && (
            <section className="card stack" aria-labelledby="resolved-title">
              <h3 id="resolved-title">{t('resolvedAsk')}</h3>
              <button type="button" data-testid="confirm-resolved" disabled={busy} onClick={confirm}>
                {t('confirmResolved')}
              </button>
              {data.reopenUntil && (
                <p className="muted small">
                  {t('reopenHelp', { date: fmtDateTime(data.reopenUntil, lang) })}
                </p>
              )}
            </section>
          )}
          <form className="card stack" onSubmit={sendReply} noValidate>
            <label htmlFor="reply">{t('replyLabel')}</label>
            {data.status === 'closed' && <p className="muted small">{t('closedHelp')}</p>}
            <textarea
              id="reply"
              rows={3}
              maxLength={2000}
              value={reply}
              onChange={(e) => setReply(e.target.value)}
            />
            {error && (
              <p role="alert" className="error">
                {error}
              </p>
            )}
            <button type="submit" disabled={busy || reply.trim() === ''}>
              {t('replySend')}
            </button>
          </form>
        </>
      )}
    </section>
  );
}

// ---------------------------------------------------------------- surveys

export interface SurveyFormData {
  title: string;
  kind: 'nps' | 'csat' | 'ces';
  question: string;
  scale: { min: number; max: number };
  questions: Array<{
    id: string;
    type: 'text' | 'choice';
    text: string;
    choices?: string[];
    multiple?: boolean;
  }>;
  expiresAt: string;
}
interface Answered {
  pointsAwarded: number;
  followUpComplaintId: string | null;
}

export function SurveysView(props: { onAnswered: () => void; back: ReactNode }) {
  const { t, lang } = useI18n();
  const list = useLoad<{ items: Array<SurveyFormData & { invitationId: string }> }>('/me/surveys');
  const [open, setOpen] = useState<string | null>(null);
  const [thanks, setThanks] = useState('');
  const current = list.data?.items.find((s) => s.invitationId === open);
  if (current)
    return (
      <section aria-labelledby="survey-title">
        <button type="button" className="link" onClick={() => setOpen(null)}>
          {t('back')}
        </button>
        <SurveyForm
          survey={current}
          submit={(body) =>
            api<Answered>('POST', `/me/surveys/${encodeURIComponent(current.invitationId)}/answer`, body)
          }
          onDone={(r) => {
            setThanks(thanksText(r, t, lang));
            setOpen(null);
            list.reload();
            props.onAnswered();
          }}
        />
      </section>
    );
  return (
    <section aria-labelledby="surveys-title">
      {props.back}
      <h2 id="surveys-title">{t('surveys')}</h2>
      <p className="muted">{t('surveysHelp')}</p>
      {thanks && (
        <p role="status" className="notice" data-testid="survey-thanks">
          {thanks}
        </p>
      )}
      {!list.data ? (
        <p>{list.error ? t('genericError') : t('loading')}</p>
      ) : list.data.items.length === 0 ? (
        <p className="muted">{t('noSurveys')}</p>
      ) : (
        <ul className="history card">
          {list.data.items.map((s) => (
            <li key={s.invitationId}>
              <div>
                <strong>{s.title}</strong>
                <div className="muted small">{t('surveyUntil', { date: fmtDate(s.expiresAt, lang) })}</div>
              </div>
              <button
                type="button"
                data-testid={`answer-${s.invitationId}`}
                onClick={() => setOpen(s.invitationId)}
              >
                {t('answer')}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function thanksText(r: Answered, t: ReturnType<typeof useI18n>['t'], lang: 'fa' | 'en'): string {
  const first =
    r.pointsAwarded > 0
      ? t('surveyThanksPoints', { n: fmtNumber(r.pointsAwarded, lang) })
      : t('surveyThanks');
  return r.followUpComplaintId ? `${first} ${t('surveyFollowUp')}` : first;
}

/** One survey: the score on its scale as a radio group, then the optional questions and a comment. */
export function SurveyForm(props: {
  survey: SurveyFormData;
  submit: (body: unknown) => Promise<Answered>;
  onDone: (r: Answered) => void;
}) {
  const { t, lang } = useI18n();
  const s = props.survey;
  const [score, setScore] = useState<number | null>(null);
  const [answers, setAnswers] = useState<Record<string, string | string[]>>({});
  const [comment, setComment] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const uid = useId();
  const scores: number[] = [];
  for (let n = s.scale.min; n <= s.scale.max; n++) scores.push(n);
  async function send(e: FormEvent) {
    e.preventDefault();
    if (score === null) {
      setError(t('pickScore'));
      return;
    }
    setBusy(true);
    setError('');
    try {
      const cleaned = Object.fromEntries(
        Object.entries(answers).filter(([, v]) => (Array.isArray(v) ? v.length > 0 : v.trim() !== '')),
      );
      props.onDone(
        await props.submit({
          score,
          ...(comment.trim() ? { comment } : {}),
          ...(Object.keys(cleaned).length ? { answers: cleaned } : {}),
        }),
      );
    } catch (err) {
      setError(errorText(err, t('genericError')));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="card stack" onSubmit={send} noValidate data-testid="survey-form">
      <h2 id="survey-title">{s.title}</h2>
      <fieldset className="scale">
        <legend>{s.question}</legend>
        <div className="scale-row">
          {scores.map((n) => (
            <label key={n} className={score === n ? 'chosen' : ''}>
              <input
                type="radio"
                name={`${uid}-score`}
                value={n}
                checked={score === n}
                onChange={() => setScore(n)}
              />
              <span>{fmtNumber(n, lang)}</span>
            </label>
          ))}
        </div>
        <div className="row muted small">
          <span>{t(`scaleLow_${s.kind}` as MessageKey)}</span>
          <span>{t(`scaleHigh_${s.kind}` as MessageKey)}</span>
        </div>
      </fieldset>
      {s.questions.map((q) =>
        q.type === 'choice' ? (
          <fieldset key={q.id} className="choices">
            <legend>{q.text}</legend>
            {q.choices?.map((c) => {
              const picked = answers[q.id];
              const on = Array.isArray(picked) ? picked.includes(c) : picked === c;
              return (
                <label key={c} className="choice">
                  <input
                    type={q.multiple ? 'checkbox' : 'radio'}
                    name={`${uid}-${q.id}`}
                    checked={on}
                    onChange={() =>
                      setAnswers((old) => {
                        if (!q.multiple) return { ...old, [q.id]: c };
                        const list = Array.isArray(old[q.id]) ? (old[q.id] as string[]) : [];
                        return { ...old, [q.id]: on ? list.filter((x) => x !== c) : [...list, c] };
                      })
                    }
                  />{' '}
                  {c}
                </label>
              );
            })}
          </fieldset>
        ) : (
          <div key={q.id} className="stack">
            <label htmlFor={`${uid}-${q.id}`}>{q.text}</label>
            <textarea
              id={`${uid}-${q.id}`}
              rows={2}
              maxLength={2000}
              value={(answers[q.id] as string | undefined) ?? ''}
              onChange={(e) => setAnswers((old) => ({ ...old, [q.id]: e.target.value }))}
            />
          </div>
        ),
      )}
      <label htmlFor={`${uid}-comment`}>{t('surveyComment')}</label>
      <textarea
        id={`${uid}-comment`}
        rows={3}
        maxLength={2000}
        value={comment}
        onChange={(e) => setComment(e.target.value)}
      />
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <button type="submit" disabled={busy}>
        {busy ? t('sending') : t('submitAnswer')}
      </button>
    </form>
  );
}

/** The answer page of a personal survey link (/portal/s/<token>): no sign-in, the token is the key. */
export function SurveyLinkPage(props: { token: string; onClub: (name: string) => void }) {
  const { t, lang } = useI18n();
  const path = `/survey-links/${encodeURIComponent(props.token)}`;
  const page = useLoad<{ club: { id: string; name: string }; survey: SurveyFormData }>(path);
  const [done, setDone] = useState('');
  const { onClub } = props;
  useEffect(() => {
    if (page.data) onClub(page.data.club.name);
  }, [page.data, onClub]);
  const code = page.error instanceof ApiError ? page.error.code : null;
  return (
    <main id="main" className="page narrow">
      {done ? (
        <section className="card">
          <p role="status" className="notice" data-testid="survey-thanks">
            {done}
          </p>
          {page.data && (
            <a href={`/portal/?club=${encodeURIComponent(page.data.club.id)}`}>{t('goToClub')}</a>
          )}
        </section>
      ) : page.data ? (
        <>
          <h1>{t('surveyOf', { club: page.data.club.name })}</h1>
          <SurveyForm
            survey={page.data.survey}
            submit={(body) => api<Answered>('POST', path, body)}
            onDone={(r) => setDone(thanksText(r, t, lang))}
          />
        </>
      ) : page.error ? (
        <p role="alert" className="card" data-testid="survey-link-error">
          {code === 'survey_link_expired'
            ? t('linkExpired')
            : code === 'survey_already_answered'
              ? t('linkUsed')
              : code === 'not_found'
                ? t('linkInvalid')
                : t('genericError')}
        </p>
      ) : (
        <p aria-live="polite">{t('loading')}</p>
      )}
    </main>
  );
}

// ---------------------------------------------------------------- referral

interface Referral {
  code: string;
  link: string;
  joined: number;
  pending: number;
  rewarded: number;
  pointsEarned: number;
  referrerPoints: number;
  welcomePoints: number;
}

export function ReferralView() {
  const { t, lang } = useI18n();
  const r = useLoad<Referral>('/me/referral');
  const [notice, setNotice] = useState('');
  if (!r.data) return <p>{r.error ? t('genericError') : t('loading')}</p>;
  const d = r.data;
  const text = t('shareText', { link: d.link });
  const canShare = typeof navigator.share === 'function';
  async function copy() {
    try {
      await navigator.clipboard.writeText(d.link);
      setNotice(t('copied'));
    } catch {
      // Without clipboard permission (an insecure origin), the link is selected for a manual copy.
      (document.getElementById('ref-link') as HTMLInputElement | null)?.select();
    }
  }
  return (
    <section aria-labelledby="referral-title">
      <h2 id="referral-title">{t('referrals')}</h2>
      <div className="card stack">
        <p className="muted">{t('referralHelp')}</p>
        <p>
          {t('referralGives', {
            welcome: fmtNumber(d.welcomePoints, lang),
            points: fmtNumber(d.referrerPoints, lang),
          })}
        </p>
        <div>
          <span className="muted small">{t('yourCode')}</span>
          <p className="big" dir="ltr" data-testid="referral-code">
            {d.code}
          </p>
        </div>
        <label htmlFor="ref-link">{t('yourLink')}</label>
        <input
          id="ref-link"
          dir="ltr"
          readOnly
          value={d.link}
          data-testid="referral-link"
          onFocus={(e) => e.target.select()}
        />
        <div className="share">
          {canShare && (
            <button type="button" onClick={() => navigator.share({ text, url: d.link }).catch(() => {})}>
              {t('share')}
            </button>
          )}
          <button type="button" className="secondary" onClick={copy}>
            {t('copy')}
          </button>
          <a
            className="button"
            href={`https://wa.me/?text=${encodeURIComponent(text)}`}
            target="_blank"
            rel="noopener noreferrer"
          >
            {t('whatsapp')}
          </a>
          <a
            className="button"
            href={`https://t.me/share/url?url=${encodeURIComponent(d.link)}&text=${encodeURIComponent(t('shareText', { link: '' }).trim())}`}
            target="_blank"
            rel="noopener noreferrer"
          >
            {t('telegram')}
          </a>
          <a className="button" href={`sms:?&body=${encodeURIComponent(text)}`}>
            {t('sms')}
          </a>
        </div>
        {notice && (
          <p role="status" className="notice">
            {notice}
          </p>
        )}
      </div>
      <dl className="pairs card" data-testid="referral-stats">
        <div>
          <dt>{t('friendsJoined')}</dt>
          <dd data-testid="referral-joined">{fmtNumber(d.joined, lang)}</dd>
        </div>
        <div>
          <dt>{t('friendsPending')}</dt>
          <dd>{fmtNumber(d.pending, lang)}</dd>
        </div>
        <div>
          <dt>{t('pointsEarned')}</dt>
          <dd>{fmtNumber(d.pointsEarned, lang)}</dd>
        </div>
      </dl>
    </section>
  );
}

// ---------------------------------------------------------------- raffles

interface Raffle {
  id: string;
  name: string;
  description: string | null;
  status: 'open' | 'drawn';
  entryCostPoints: number;
  maxEntriesPerMember: number;
  closesAt: string;
  prizes: string[];
  myEntries: number;
  canEnter: boolean;
  reason: 'entry_limit' | 'not_qualified' | null;
  won: string | null;
}

export function RafflesView(props: { onEntered: () => void }) {
  const { t, lang } = useI18n();
  const list = useLoad<{ items: Raffle[] }>('/me/raffles');
  const [busy, setBusy] = useState<string | null>(null);
  const [message, setMessage] = useState<{ id: string; text: string } | null>(null);
  async function enter(id: string) {
    setBusy(id);
    setMessage(null);
    try {
      const r = await api<{ available: number }>('POST', `/me/raffles/${encodeURIComponent(id)}/entries`);
      setMessage({ id, text: t('entered', { n: fmtNumber(r.available, lang) }) });
      list.reload();
      props.onEntered();
    } catch (err) {
      setMessage({
        id,
        text:
          err instanceof ApiError && err.code === 'insufficient_points'
            ? t('notEnoughPoints')
            : errorText(err, t('genericError')),
      });
    } finally {
      setBusy(null);
    }
  }
  if (!list.data) return <p>{list.error ? t('genericError') : t('loading')}</p>;
  const open = list.data.items.filter((r) => r.status === 'open');
  const drawn = list.data.items.filter((r) => r.status === 'drawn');
  return (
    <section aria-labelledby="raffles-title">
      <h2 id="raffles-title">{t('raffles')}</h2>
      <p className="muted">{t('rafflesHelp')}</p>
      {open.length === 0 && <p className="muted">{t('noRaffles')}</p>}
      {open.map((r) => (
        <article key={r.id} className="card stack" data-testid={`raffle-${r.id}`}>
          <h3>{r.name}</h3>
          {r.description && <p className="muted small">{r.description}</p>}
          <p className="small">{t('prizes', { list: r.prizes.join('، ') })}</p>
          <p className="small muted">
            {t('closesOn', { date: fmtDate(r.closesAt, lang) })} ·{' '}
            {t('myEntries', { n: fmtNumber(r.myEntries, lang), max: fmtNumber(r.maxEntriesPerMember, lang) })}
          </p>
          <button type="button" disabled={!r.canEnter || busy !== null} onClick={() => enter(r.id)}>
            {r.entryCostPoints > 0
              ? t('enterFor', { n: fmtNumber(r.entryCostPoints, lang) })
              : t('enterFree')}
          </button>
          {r.reason && <p className="muted small">{t(`raffle_${r.reason}` as MessageKey)}</p>}
          {message?.id === r.id && (
            <p role="status" className="notice" data-testid="raffle-message">
              {message.text}
            </p>
          )}
        </article>
      ))}
      {drawn.length > 0 && (
        <section className="card" aria-labelledby="drawn-title">
          <h3 id="drawn-title">{t('drawnRaffles')}</h3>
          <ul className="history">
            {drawn.map((r) => (
              <li key={r.id}>
                <strong>{r.name}</strong>
                <span className={r.won ? 'pos' : 'muted'}>
                  {r.won ? t('raffleWon', { prize: r.won }) : t('raffleLost')}
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}
    </section>
  );
}
