import { z } from 'zod';

export const ZLanguage = z.enum(['fa', 'en']);
export const ZChannel = z.enum(['sms', 'email']);
const ZHhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour, Tehran time)');

export const ZTemplateKey = z.strictObject({
  eventType: z.string().min(3).max(100).describe('The event type, e.g. points.earned.'),
  channel: ZChannel,
  language: ZLanguage,
});

export const ZPutTemplate = z.strictObject({
  subject: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .nullable()
    .optional()
    .describe('Email only; required for email.'),
  body: z
    .string()
    .min(1)
    .max(20_000)
    .describe('The text with {{variable}} placeholders; for email, HTML (values are escaped).'),
  isActive: z.boolean().default(true),
});
export type TPutTemplate = z.infer<typeof ZPutTemplate>;

export const ZTemplate = z
  .object({
    id: z.string(),
    eventType: z.string(),
    channel: ZChannel,
    language: ZLanguage,
    subject: z.string().nullable(),
    body: z.string(),
    isActive: z.boolean(),
    variables: z.array(z.string()).describe('The variables this template may use.'),
    updatedAt: z.string(),
  })
  .meta({ id: 'MessageTemplate' });
export type TTemplate = z.infer<typeof ZTemplate>;

export const ZPreview = z.strictObject({
  eventType: z.string().min(3).max(100),
  channel: ZChannel,
  language: ZLanguage,
  subject: z.string().max(200).nullable().optional(),
  body: z.string().min(1).max(20_000),
  memberExternalId: z
    .string()
    .max(128)
    .optional()
    .describe('Render for this member; a sample member otherwise.'),
  data: z
    .record(z.string().max(64), z.union([z.string().max(1000), z.number()]))
    .optional()
    .describe('Event payload fields (e.g. {"points": 250}); samples fill the rest.'),
});

export const ZPreviewResult = z.object({
  subject: z.string().nullable(),
  body: z
    .string()
    .describe('As sent: SMS text with the stop line, or email HTML with the unsubscribe footer.'),
  text: z.string().nullable().describe('Email only: the plain-text part.'),
  characters: z.number().int(),
});

export const ZSettings = z
  .object({
    defaultLanguage: ZLanguage,
    quietHoursStart: z.string(),
    quietHoursEnd: z.string(),
    publicBaseUrl: z.string().nullable(),
    smsStopKeyword: z.string(),
    sms: z.object({
      provider: z.enum(['log', 'http']),
      baseUrl: z.string().nullable(),
      sender: z.string().nullable(),
      apiKeyHint: z.string().nullable().describe('The last characters of the stored API key.'),
    }),
    email: z.object({
      provider: z.enum(['log', 'smtp']),
      host: z.string().nullable(),
      port: z.number().int().nullable(),
      secure: z.boolean(),
      user: z.string().nullable(),
      from: z.string().nullable(),
      hasPassword: z.boolean(),
    }),
  })
  .meta({ id: 'NotificationSettings' });
export type TSettings = z.infer<typeof ZSettings>;

export const ZPatchSettings = z.strictObject({
  defaultLanguage: ZLanguage.optional(),
  quietHoursStart: ZHhmm.optional(),
  quietHoursEnd: ZHhmm.optional(),
  publicBaseUrl: z
    .url({ protocol: /^https?$/ })
    .max(500)
    .nullable()
    .optional(),
  smsStopKeyword: z.string().trim().min(1).max(20).optional(),
  sms: z
    .strictObject({
      provider: z.enum(['log', 'http']),
      baseUrl: z
        .url({ protocol: /^https?$/ })
        .max(500)
        .optional(),
      apiKey: z.string().min(1).max(500).optional(),
      sender: z.string().min(1).max(30).optional(),
    })
    .optional(),
  email: z
    .strictObject({
      provider: z.enum(['log', 'smtp']),
      host: z.string().min(1).max(255).optional(),
      port: z.number().int().min(1).max(65535).optional(),
      secure: z.boolean().optional(),
      user: z.string().max(255).nullable().optional(),
      password: z.string().max(500).nullable().optional(),
      from: z.string().min(3).max(320).optional(),
    })
    .optional(),
});
export type TPatchSettings = z.infer<typeof ZPatchSettings>;

export const ZMessage = z
  .object({
    id: z.string(),
    eventId: z.string(),
    eventType: z.string(),
    channel: ZChannel,
    status: z.enum(['pending', 'sent', 'skipped', 'dead']),
    language: ZLanguage.nullable(),
    recipient: z.string().nullable(),
    subject: z.string().nullable(),
    body: z.string().nullable(),
    attempts: z.number().int(),
    heldUntil: z.string().nullable().describe('Set while an SMS waits for quiet hours to end.'),
    skipReason: z
      .string()
      .nullable()
      .describe('no_consent, no_mobile, no_email, no_template, member_not_found.'),
    lastError: z.string().nullable(),
    createdAt: z.string(),
    sentAt: z.string().nullable(),
  })
  .meta({ id: 'MemberMessage' });
export type TMessage = z.infer<typeof ZMessage>;

export const ZListMessagesQuery = z.strictObject({
  status: z.enum(['pending', 'sent', 'skipped', 'dead']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const ZInboundSms = z.strictObject({
  from: z.string().min(4).max(32).describe('The sender’s mobile, any Iranian form.'),
  text: z.string().max(1000),
});

export const ZReplayOutbox = z.strictObject({
  eventId: z.string().max(64).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
});
