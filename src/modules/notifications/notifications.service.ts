import { createHmac, randomBytes } from 'node:crypto';
import type { Db, Queryable } from '../../db/db.js';
import { AppError, fieldError, notFound } from '../../errors.js';
import type { Services } from '../../http/types.js';

import { newId } from '../../lib/ids.js';
import { normalizeIranMobile, toLatinDigits } from '../../lib/mobile.js';
import { backoffMs, DEFAULT_RETRY, isSameSignature, type RetryPolicy, runPool } from '../webhooks/index.js';
import type { DispatchEvent, OutboxConsumer } from './dispatcher.js';
import * as repo from './notifications.repo.js';
import type { TMessage, TPatchSettings, TPutTemplate, TSettings, TTemplate } from './notifications.schema.js';
import {
  type EmailProvider,
  HttpSmsProvider,
  LogProvider,
  ProviderError,
  type SendResult,
  type SmsProvider,
  SmtpEmailProvider,
} from './providers.js';
import { quietUntil } from './quiet-hours.js';
import {
  allowedVariables,
  checkTemplate,
  escapeHtml,
  renderTemplate,
  resolveVariables,
  type TChannel,
  type TLanguage,
} from './render.js';

export interface NotificationOptions extends RetryPolicy {
  /** The log provider's directory (messages.jsonl); null writes to stdout. */
  messageLogDir: string | null;
  /** A provider call longer than this fails. */
  timeoutMs: number;
  leaseMs: number;
  batchSize: number;
  concurrency: number;
  /** Events older than this at dispatch raise no messages (an import or a long outage must not flood members). */
  maxEventAgeMs: number;
}

export const DEFAULT_NOTIFICATIONS: NotificationOptions = {
  ...DEFAULT_RETRY,
  maxAttempts: 6,
  messageLogDir: null,
  timeoutMs: 15_000,
  leaseMs: 60_000,
  batchSize: 50,
  concurrency: 4,
  maxEventAgeMs: 24 * 3600_000,
};

const STOP_WORDS = ['stop', 'لغو', '11'];

export class NotificationsService {
  readonly opts: NotificationOptions;

  constructor(
    private readonly db: Db,
    private readonly services: Services | null,
    private readonly clock: () => Date,
    opts: Partial<NotificationOptions> = {},
  ) {
    this.opts = { ...DEFAULT_NOTIFICATIONS, ...opts };
    if (this.opts.leaseMs <= this.opts.timeoutMs) this.opts.leaseMs = this.opts.timeoutMs + 5_000;
  }

  // ---- Settings ----

  private settingsRow(clubId: string, db: Queryable = this.db): Promise<repo.SettingsRow> {
    return repo.ensureSettings(db, clubId, randomBytes(32).toString('base64url'));
  }

  async getSettings(clubId: string): Promise<TSettings> {
    return toSettings(await this.settingsRow(clubId));
  }

  async updateSettings(clubId: string, p: TPatchSettings): Promise<TSettings> {
    const current = await this.settingsRow(clubId);
    const patch: repo.SettingsPatch = {
      default_language: p.defaultLanguage,
      quiet_start: p.quietHoursStart,
      quiet_end: p.quietHoursEnd,
      public_base_url: p.publicBaseUrl,
      sms_stop_keyword: p.smsStopKeyword,
    };
    if (p.sms) {
      patch.sms_provider = p.sms.provider;
      if (p.sms.baseUrl !== undefined) patch.sms_base_url = p.sms.baseUrl;
      if (p.sms.apiKey !== undefined) patch.sms_api_key = p.sms.apiKey;
      if (p.sms.sender !== undefined) patch.sms_sender = p.sms.sender;
      if (p.sms.provider === 'http') {
        if (!(patch.sms_base_url ?? current.sms_base_url))
          throw fieldError('sms.baseUrl', 'is required for the http provider');
        if (!(patch.sms_api_key ?? current.sms_api_key))
          throw fieldError('sms.apiKey', 'is required for the http provider');
        if (!(patch.sms_sender ?? current.sms_sender))
          throw fieldError('sms.sender', 'is required for the http provider');
      }
    }
    if (p.email) {
      patch.email_provider = p.email.provider;
      if (p.email.host !== undefined) patch.smtp_host = p.email.host;
      if (p.email.port !== undefined) patch.smtp_port = p.email.port;
      if (p.email.secure !== undefined) patch.smtp_secure = p.email.secure;
      if (p.email.user !== undefined) patch.smtp_user = p.email.user;
      if (p.email.password !== undefined) patch.smtp_password = p.email.password;
      if (p.email.from !== undefined) patch.email_from = p.email.from;
      if (p.email.provider === 'smtp') {
        if (!(patch.smtp_host ?? current.smtp_host)) throw fieldError('email.host', 'is required for smtp');
        if (!(patch.email_from ?? current.email_from)) throw fieldError('email.from', 'is required for smtp');
      }
    }
    return toSettings(await repo.updateSettings(this.db, clubId, patch));
  }

  // ---- Templates ----

  async putTemplate(
    clubId: string,
    key: { eventType: string; channel: TChannel; language: TLanguage },
    input: TPutTemplate,
  ): Promise<{ template: TTemplate; created: boolean }> {
    const allowed = checkTemplateInput(key.eventType, key.channel, input.subject ?? null, input.body);
    const { row, inserted } = await repo.upsertTemplate(this.db, {
      clubId,
      id: newId('tpl'),
      eventType: key.eventType,
      channel: key.channel,
      language: key.language,
      subject: key.channel === 'email' ? (input.subject ?? null) : null,
      body: input.body,
      isActive: input.isActive,
    });
    return { template: toTemplate(row, allowed), created: inserted };
  }

  async listTemplates(clubId: string): Promise<TTemplate[]> {
    return (await repo.listTemplates(this.db, clubId)).map((r) =>
      toTemplate(r, allowedVariables(r.event_type, r.channel) ?? []),
    );
  }

  async deleteTemplate(clubId: string, key: { eventType: string; channel: TChannel; language: TLanguage }) {
    if (!(await repo.deleteTemplate(this.db, clubId, key))) {
      throw notFound('Template', `${key.eventType}/${key.channel}/${key.language}`);
    }
  }

  /** Renders a template (saved or not) as it would be sent, for a member or a sample one. */
  async preview(
    clubId: string,
    input: {
      eventType: string;
      channel: TChannel;
      language: TLanguage;
      subject?: string | null | undefined;
      body: string;
      memberExternalId?: string | undefined;
      data?: Record<string, string | number> | undefined;
    },
  ) {
    checkTemplateInput(input.eventType, input.channel, input.subject ?? null, input.body);
    const settings = await this.settingsRow(clubId);
    let member = {
      firstName: input.language === 'fa' ? 'زهرا' : 'Sara',
      lastName: input.language === 'fa' ? 'محمدی' : 'Mohammadi',
    };
    let memberId = 'mem_sample';
    if (input.memberExternalId) {
      const m = await this.members().getMember(clubId, input.memberExternalId);
      member = { firstName: m.firstName ?? '', lastName: m.lastName ?? '' };
      memberId = m.id;
    }
    const rendered = this.render(settings, {
      clubId,
      memberId,
      channel: input.channel,
      language: input.language,
      eventType: input.eventType,
      payload: input.data ?? {},
      eventAt: this.clock(),
      member,
      clubName: (await repo.findClubName(this.db, clubId)) ?? '',
      template: { subject: input.subject ?? null, body: input.body },
      samples: true,
    });
    return { ...rendered, characters: [...rendered.body].length };
  }

  // ---- Messages ----

  async listMemberMessages(clubId: string, memberExternalId: string, limit: number): Promise<TMessage[]> {
    const memberId = await this.members().getMemberId(clubId, memberExternalId);
    return (await repo.listMessages(this.db, clubId, { memberId, limit })).map(toMessage);
  }

  async listMessages(clubId: string, q: { status?: string | undefined; limit: number }): Promise<TMessage[]> {
    return (await repo.listMessages(this.db, clubId, q)).map(toMessage);
  }

  async retryMessage(clubId: string, id: string): Promise<TMessage> {
    const row = await repo.retryMessage(this.db, clubId, id, this.clock());
    if (!row) throw notFound('Dead or skipped message', id);
    return toMessage(row);
  }

  /** Queues outbox events again for dispatch (dead ones, or dispatched ones to fan out anew). */
  async replayOutbox(clubId: string, q: { eventId?: string | undefined; since?: string | undefined }) {
    if (!q.eventId && !q.since) throw fieldError('since', 'give eventId or since');
    const queued = await repo.requeueEvents(this.db, clubId, {
      eventId: q.eventId,
      since: q.since ? new Date(q.since) : undefined,
      now: this.clock(),
      limit: 10_000,
    });
    return { queued };
  }

  async outboxCounts(clubId: string) {
    return repo.countOutbox(this.db, clubId);
  }

  /** A member texted back: the stop keyword (or STOP, لغو) withdraws their SMS consent. */
  async receiveSms(clubId: string, from: string, text: string): Promise<{ unsubscribed: boolean }> {
    const settings = await this.settingsRow(clubId);
    const word = toLatinDigits(text).trim().toLowerCase();
    const stops = [...STOP_WORDS, toLatinDigits(settings.sms_stop_keyword).trim().toLowerCase()];
    if (!stops.includes(word)) return { unsubscribed: false };
    const mobile = normalizeIranMobile(from);
    if (!mobile) throw fieldError('from', 'is not an Iranian mobile number');
    const page = await this.members().findMembers(clubId, { q: mobile, limit: 5 });
    const member = page.items.find((m) => m.mobile === mobile);
    if (!member) return { unsubscribed: false };
    await this.members().upsertMember(clubId, member.externalId, { consentSms: false });
    return { unsubscribed: true };
  }

  unsubscribeUrl(settings: repo.SettingsRow, clubId: string, memberId: string): string {
    const base = (settings.public_base_url ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
    return `${base}/unsubscribe/${clubId}/${memberId}/${unsubscribeSignature(settings.unsubscribe_secret, clubId, memberId)}`;
  }

  /** The unsubscribe link was followed: the member's email consent is withdrawn. */
  async unsubscribe(clubId: string, memberId: string, signature: string): Promise<void> {
    const settings = await this.settingsRow(clubId).catch(() => null);
    const expected = settings ? unsubscribeSignature(settings.unsubscribe_secret, clubId, memberId) : '';
    if (!settings || !isSameSignature(signature, expected)) throw notFound('Unsubscribe link', signature);
    const r = await repo.findRecipient(this.db, clubId, memberId);
    if (!r) throw notFound('Member', memberId);
    await this.members().upsertMember(clubId, r.external_id, { consentEmail: false });
  }

  private members() {
    if (!this.services) throw new Error('NotificationsService was built without services');
    return this.services.members;
  }

  /** The dispatcher's consumer: one message per event with a member and per channel with a template. */
  consumer(): OutboxConsumer {
    return {
      name: 'member-messages',
      fanOut: async (tx: Queryable, events: DispatchEvent[]) => {
        const oldest = this.clock().getTime() - this.opts.maxEventAgeMs;
        const list = events
          .filter((e) => typeof e.payload.memberId === 'string' && e.createdAt.getTime() >= oldest)
          .map((e) => ({
            clubId: e.clubId,
            eventId: e.eventId,
            type: e.type,
            memberId: e.payload.memberId as string,
          }));
        return repo.fanOutMessages(tx, list, this.clock());
      },
    };
  }

  /**
   * Sends due messages until none is due or `budgetMs` has passed. Consent is checked at send time (it
   * may have been withdrawn since the event); SMS in quiet hours are held, not sent; a message is
   * marked sent only after the provider accepted it.
   */
  async sendDue(budgetMs = 20_000): Promise<{ sent: number; held: number; skipped: number; failed: number }> {
    const stats = { sent: 0, held: 0, skipped: 0, failed: 0 };
    const started = Date.now();
    while (Date.now() - started < budgetMs) {
      const now = this.clock();
      const token = randomBytes(12).toString('base64url');
      const claimed = await this.db.transaction((tx) =>
        repo.claimDueMessages(
          tx,
          now,
          new Date(now.getTime() + this.opts.leaseMs),
          this.opts.batchSize,
          token,
        ),
      );
      if (claimed.length === 0) break;
      const settingsCache = new Map<string, Promise<repo.SettingsRow>>();
      await runPool(claimed, this.opts.concurrency, async (m) => {
        if (!settingsCache.has(m.club_id)) settingsCache.set(m.club_id, this.settingsRow(m.club_id));
        const settings = await settingsCache.get(m.club_id)!;
        const outcome = await this.sendOne(m, settings, token).catch(async (err: unknown) => {
          await this.fail(m, token, `internal: ${(err as Error).message}`.slice(0, 300));
          return 'failed' as const;
        });
        stats[outcome]++;
      });
      if (claimed.length < this.opts.batchSize) break;
    }
    return stats;
  }

  private async sendOne(
    m: repo.ClaimedMessage,
    settings: repo.SettingsRow,
    token: string,
  ): Promise<'sent' | 'held' | 'skipped' | 'failed'> {
    const now = this.clock();
    const base = { clubId: m.club_id, messageId: m.message_id, token };
    const skip = async (reason: string) => {
      await repo.finishMessage(this.db, {
        ...base,
        status: 'skipped',
        nextAttemptAt: now,
        skipReason: reason,
      });
      return 'skipped' as const;
    };
    const r = await repo.findRecipient(this.db, m.club_id, m.member_id);
    if (!r || !m.payload || !m.event_created_at) return skip('member_not_found');
    const address = m.channel === 'sms' ? r.mobile : r.email;
    const consent = m.channel === 'sms' ? r.consent_sms : r.consent_email;
    if (!consent) return skip('no_consent');
    if (!address) return skip(m.channel === 'sms' ? 'no_mobile' : 'no_email');
    if (m.channel === 'sms') {
      const until = quietUntil(now, settings.quiet_start, settings.quiet_end);
      if (until) {
        await repo.finishMessage(this.db, {
          ...base,
          status: 'pending',
          nextAttemptAt: until,
          heldUntil: until,
          uncountAttempt: true,
        });
        return 'held';
      }
    }
    const wanted: TLanguage =
      r.language === 'en' || r.language === 'fa' ? r.language : settings.default_language;
    const templates = await repo.findTemplates(this.db, m.club_id, m.event_type, m.channel);
    const template = templates.find((t) => t.language === wanted) ?? templates[0];
    if (!template) return skip('no_template');
    const rendered = this.render(settings, {
      clubId: m.club_id,
      memberId: m.member_id,
      channel: m.channel,
      language: template.language,
      eventType: m.event_type,
      payload: m.payload,
      eventAt: m.event_created_at,
      member: { firstName: r.first_name, lastName: r.last_name },
      clubName: r.club_name,
      template,
      samples: false,
    });
    let result: SendResult;
    let providerName: string;
    try {
      if (m.channel === 'sms') {
        const provider = this.smsProvider(settings);
        providerName = provider.name;
        result = await provider.sendSms({ to: address, text: rendered.body });
      } else {
        const provider = this.emailProvider(settings);
        providerName = provider.name;
        try {
          result = await provider.sendEmail({
            to: address,
            subject: rendered.subject ?? '',
            html: rendered.body,
            text: rendered.text ?? '',
            headers: {
              'List-Unsubscribe': `<${this.unsubscribeUrl(settings, m.club_id, m.member_id)}>`,
              'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
              'X-Vafa-Event-Id': m.event_id,
            },
          });
        } finally {
          if (provider instanceof SmtpEmailProvider) provider.close();
        }
      }
    } catch (err) {
      const msg = err instanceof ProviderError ? err.message : 'provider error';
      await this.fail(m, token, msg, {
        language: template.language,
        recipient: address,
        subject: rendered.subject,
        body: rendered.body,
      });
      return 'failed';
    }
    await repo.finishMessage(this.db, {
      ...base,
      status: 'sent',
      nextAttemptAt: this.clock(),
      language: template.language,
      recipient: address,
      subject: rendered.subject,
      body: rendered.body,
      provider: providerName,
      providerMessageId: result.providerMessageId,
      sentAt: this.clock(),
    });
    return 'sent';
  }

  private async fail(
    m: repo.ClaimedMessage,
    token: string,
    error: string,
    content: { language?: string; recipient?: string; subject?: string | null; body?: string } = {},
  ): Promise<void> {
    const dead = m.attempts >= this.opts.maxAttempts;
    const now = this.clock();
    await repo.finishMessage(this.db, {
      clubId: m.club_id,
      messageId: m.message_id,
      token,
      status: dead ? 'dead' : 'pending',
      nextAttemptAt: dead ? now : new Date(now.getTime() + backoffMs(m.attempts, this.opts)),
      lastError: error,
      ...content,
    });
  }

  private smsProvider(s: repo.SettingsRow): SmsProvider {
    if (s.sms_provider === 'http' && s.sms_base_url && s.sms_api_key && s.sms_sender) {
      return new HttpSmsProvider({
        baseUrl: s.sms_base_url,
        apiKey: s.sms_api_key,
        sender: s.sms_sender,
        timeoutMs: this.opts.timeoutMs,
      });
    }
    return new LogProvider(this.opts.messageLogDir);
  }

  private emailProvider(s: repo.SettingsRow): EmailProvider {
    if (s.email_provider === 'smtp' && s.smtp_host && s.email_from) {
      return new SmtpEmailProvider({
        host: s.smtp_host,
        port: s.smtp_port ?? (s.smtp_secure ? 465 : 587),
        secure: s.smtp_secure,
        user: s.smtp_user,
        password: s.smtp_password,
        from: s.email_from,
        timeoutMs: this.opts.timeoutMs,
      });
    }
    return new LogProvider(this.opts.messageLogDir);
  }

  /** Renders a message with its channel's footer: the stop line for SMS, the unsubscribe link for email. */
  private render(
    settings: repo.SettingsRow,
    x: {
      clubId: string;
      memberId: string;
      channel: TChannel;
      language: TLanguage;
      eventType: string;
      payload: Record<string, unknown>;
      eventAt: Date;
      member: { firstName: string | null; lastName: string | null };
      clubName: string;
      template: { subject: string | null; body: string };
      samples: boolean;
    },
  ): { subject: string | null; body: string; text: string | null } {
    const fa = x.language === 'fa';
    if (x.channel === 'sms') {
      const stopKeyword = settings.sms_stop_keyword;
      const values = resolveVariables({ ...x, extra: { stopKeyword } }, x.samples);
      const body = renderTemplate(x.template.body, values).trim();
      const footer = fa ? `لغو ارسال: ${stopKeyword}` : `To stop: ${stopKeyword}`;
      return { subject: null, body: `${body}\n${footer}`, text: null };
    }
    const unsubscribeUrl = this.unsubscribeUrl(settings, x.clubId, x.memberId);
    const values = resolveVariables({ ...x, extra: { unsubscribeUrl } }, x.samples);
    const subject = renderTemplate(x.template.subject ?? '', values)
      .replace(/[\r\n]+/g, ' ')
      .trim();
    const inner = renderTemplate(x.template.body, values, true);
    const label = fa ? 'لغو دریافت ایمیل' : 'Unsubscribe';
    const dir = fa ? 'rtl' : 'ltr';
    const html =
      `<div dir="${dir}">${inner}<hr><p style="font-size:12px">` +
      `<a href="${escapeHtml(unsubscribeUrl)}">${label}</a></p></div>`;
    const text = `${htmlToText(inner)}\n\n${label}: ${unsubscribeUrl}`;
    return { subject, body: html, text };
  }
}

function htmlToText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/p>/gi, '\n\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .trim();
}

export function unsubscribeSignature(secret: string, clubId: string, memberId: string): string {
  return createHmac('sha256', secret).update(`${clubId}:${memberId}`).digest('base64url').slice(0, 32);
}

/** Refuses a template whose event type is not messageable, or whose text uses unknown variables. */
function checkTemplateInput(
  eventType: string,
  channel: TChannel,
  subject: string | null,
  body: string,
): string[] {
  const allowed = allowedVariables(eventType, channel);
  if (!allowed) throw fieldError('eventType', `'${eventType}' is not an event type messages can be sent for`);
  const errors = checkTemplate(body, allowed).map((message) => ({
    field: 'body',
    in: 'body' as const,
    message,
  }));
  if (channel === 'email') {
    if (!subject) errors.push({ field: 'subject', in: 'body', message: 'is required for email' });
    else
      errors.push(
        ...checkTemplate(subject, allowed).map((message) => ({
          field: 'subject',
          in: 'body' as const,
          message,
        })),
      );
  }
  if (errors.length > 0) {
    throw new AppError('validation_failed', `${errors[0]!.field}: ${errors[0]!.message}`, { errors });
  }
  return allowed;
}

function toTemplate(row: repo.TemplateRow, variables: string[]): TTemplate {
  return {
    id: row.template_id,
    eventType: row.event_type,
    channel: row.channel,
    language: row.language,
    subject: row.subject,
    body: row.body,
    isActive: row.is_active,
    variables,
    updatedAt: row.updated_at.toISOString(),
  };
}

function toMessage(row: repo.MessageRow): TMessage {
  return {
    id: row.message_id,
    eventId: row.event_id,
    eventType: row.event_type,
    channel: row.channel,
    status: row.status,
    language: row.language,
    recipient: row.recipient,
    subject: row.subject,
    body: row.body,
    attempts: row.attempts,
    heldUntil: row.status === 'pending' ? (row.held_until?.toISOString() ?? null) : null,
    skipReason: row.skip_reason,
    lastError: row.last_error,
    createdAt: row.created_at.toISOString(),
    sentAt: row.sent_at?.toISOString() ?? null,
  };
}

function hint(secret: string | null): string | null {
  return secret ? `…${secret.slice(-4)}` : null;
}

function toSettings(s: repo.SettingsRow): TSettings {
  return {
    defaultLanguage: s.default_language,
    quietHoursStart: s.quiet_start,
    quietHoursEnd: s.quiet_end,
    publicBaseUrl: s.public_base_url,
    smsStopKeyword: s.sms_stop_keyword,
    sms: {
      provider: s.sms_provider,
      baseUrl: s.sms_base_url,
      sender: s.sms_sender,
      apiKeyHint: hint(s.sms_api_key),
    },
    email: {
      provider: s.email_provider,
      host: s.smtp_host,
      port: s.smtp_port,
      secure: s.smtp_secure,
      user: s.smtp_user,
      from: s.email_from,
      hasPassword: Boolean(s.smtp_password),
    },
  };
}
