import type { AppContext } from '../../http/types.js';
import { NotificationsService } from './notifications.service.js';
import type { TChannel, TLanguage } from './render.js';

/**
 * The demo club's message templates: what members are told about their complaints and surveys, in
 * Persian and English SMS, and the survey invitation by email too. Only events a member would expect a
 * message for: the demo's history (orders, points) stays silent, so starting the server sends no flood.
 * The week's complaint steps and the survey that followed become messages once the server dispatches
 * its outbox (the development SMS provider prints them).
 */
const TEMPLATES: Array<{
  eventType: string;
  channel: TChannel;
  language: TLanguage;
  subject?: string;
  body: string;
}> = [
  {
    eventType: 'complaint.created',
    channel: 'sms',
    language: 'fa',
    body: '{{firstName}} عزیز، شکایت شما با شمارهٔ {{complaintId}} در {{clubName}} ثبت شد. {{note}}',
  },
  {
    eventType: 'complaint.created',
    channel: 'sms',
    language: 'en',
    body: 'Dear {{firstName}}, {{clubName}} has your complaint {{complaintId}}. {{note}}',
  },
  {
    eventType: 'complaint.status_changed',
    channel: 'sms',
    language: 'fa',
    body: '{{firstName}} عزیز، وضعیت شکایت {{complaintId}}: {{status}}. {{note}}',
  },
  {
    eventType: 'complaint.status_changed',
    channel: 'sms',
    language: 'en',
    body: 'Dear {{firstName}}, complaint {{complaintId}} is now {{status}}. {{note}}',
  },
  {
    eventType: 'complaint.replied',
    channel: 'sms',
    language: 'fa',
    body: 'پاسخ {{clubName}} به شکایت {{complaintId}}: {{note}}',
  },
  {
    eventType: 'complaint.replied',
    channel: 'sms',
    language: 'en',
    body: '{{clubName}} replied to complaint {{complaintId}}: {{note}}',
  },
  {
    eventType: 'survey.due',
    channel: 'sms',
    language: 'fa',
    body: '{{firstName}} عزیز، نظرتان دربارهٔ «{{surveyTitle}}» برای ما مهم است: {{surveyUrl}} (تا {{expiresOn}})',
  },
  {
    eventType: 'survey.due',
    channel: 'sms',
    language: 'en',
    body: 'Dear {{firstName}}, tell us about "{{surveyTitle}}": {{surveyUrl}} (until {{expiresOn}})',
  },
  {
    eventType: 'survey.due',
    channel: 'email',
    language: 'fa',
    subject: '{{surveyTitle}}',
    body:
      '<p>{{firstName}} عزیز،</p><p>یک دقیقه وقت بگذارید و به پرسش «{{surveyTitle}}» پاسخ دهید: ' +
      '<a href="{{surveyUrl}}">پاسخ به نظرسنجی</a> (تا {{expiresOn}}).</p>' +
      '<p>{{clubName}}</p><p><a href="{{unsubscribeUrl}}">لغو اشتراک ایمیل</a></p>',
  },
];

export async function seedDemo(ctx: AppContext, clubId: string): Promise<{ templates: number }> {
  const notifications = new NotificationsService(ctx.db, ctx.services, ctx.clock);
  for (const t of TEMPLATES) {
    await notifications.putTemplate(
      clubId,
      { eventType: t.eventType, channel: t.channel, language: t.language },
      { subject: t.subject ?? null, body: t.body, isActive: true },
    );
  }
  return { templates: TEMPLATES.length };
}
