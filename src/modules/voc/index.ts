import { problems, SECURITY } from '../../http/schemas.js';
import type { AppContext, TApp } from '../../http/types.js';
import type { Job } from '../../jobs/scheduler.js';
import { defineMessageEvent } from '../notifications/index.js';
import type { VafaModule } from '../registry.js';
import { registerComplaintsRoutes } from './complaints.routes.js';
import { ComplaintsService } from './complaints.service.js';
import { PromisesService, registerPromisesRoutes } from './promises.js';
import { ReviewsService, registerReviewsRoutes } from './reviews.js';
import { patchSettings, readSettings, ZPatchVocSettings, ZVocSettings } from './settings.js';
import { registerStaffViewsRoutes, StaffViewsService } from './staff-views.js';
import { registerSurveyLinkRoutes, registerSurveysRoutes } from './surveys.routes.js';
import { SurveysService } from './surveys.service.js';
import { VOC_MIGRATIONS } from './voc.migrations.js';

export { COMPLAINT_SUBMITTED } from './complaints.service.js';
export { summarise } from './metrics.js';
export { DELIVERY_LATE } from './promises.js';
export { REVIEW_APPROVED } from './reviews.js';
export { readSettings as readVocSettings } from './settings.js';
export { SURVEY_ANSWERED } from './surveys.service.js';
export { seedDemo } from './voc.demo.js';

// Outbox events the notifications module may turn into SMS and email: the variables templates may use.
defineMessageEvent('survey.due', {
  surveyTitle: { path: 'surveyTitle', kind: 'text', sample: 'نظرسنجی رضایت از ارسال' },
  surveyUrl: { path: 'url', kind: 'text', sample: 'https://shop.example/s/Xy3…' },
  expiresOn: { path: 'expiresOn', kind: 'text', sample: '۱۴۰۵/۰۹/۱۲' },
});
defineMessageEvent('complaint.created', {
  complaintId: { path: 'complaintId', kind: 'text', sample: 'cmp_8k2…' },
  status: { path: 'statusLabel', kind: 'text', sample: 'ثبت شد' },
  note: { path: 'note', kind: 'text', sample: 'شکایت شما ثبت شد و پیگیری می‌شود.' },
});
defineMessageEvent('complaint.status_changed', {
  complaintId: { path: 'complaintId', kind: 'text', sample: 'cmp_8k2…' },
  status: { path: 'statusLabel', kind: 'text', sample: 'حل شد' },
  note: { path: 'note', kind: 'text', sample: 'کالای جایگزین امروز ارسال شد.' },
  couponCode: { path: 'couponCode', kind: 'text', sample: 'SORRY-20' },
  compensationPoints: { path: 'compensationPoints', kind: 'number', sample: 500 },
});
defineMessageEvent('complaint.replied', {
  complaintId: { path: 'complaintId', kind: 'text', sample: 'cmp_8k2…' },
  note: { path: 'note', kind: 'text', sample: 'لطفاً عکس کالا را بفرستید.' },
});
defineMessageEvent('promise.broken', {
  orderId: { path: 'orderExternalId', kind: 'text', sample: 'O-1001' },
  lateHours: { path: 'lateHours', kind: 'number', sample: 26 },
  points: { path: 'points', kind: 'number', sample: 200 },
});

export interface Voc {
  complaints: ComplaintsService;
  surveys: SurveysService;
  reviews: ReviewsService;
  promises: PromisesService;
}

const instances = new WeakMap<AppContext, Voc>();

/** The module's services over one app context, wired together (a resolved complaint schedules its survey). */
export function createVoc(ctx: AppContext): Voc {
  const hit = instances.get(ctx);
  if (hit) return hit;
  const complaints = new ComplaintsService(ctx.db, ctx.services, ctx.clock);
  const surveys = new SurveysService(ctx.db, ctx.services, complaints, ctx.clock);
  complaints.setResolvedHook((tx, clubId, c, now) => surveys.onComplaintResolved(tx, clubId, c, now));
  const voc = {
    complaints,
    surveys,
    reviews: new ReviewsService(ctx.db, ctx.services, ctx.clock),
    promises: new PromisesService(ctx.db, ctx.services, ctx.clock),
  };
  instances.set(ctx, voc);
  return voc;
}

function registerRoutes(app: TApp, ctx: AppContext): void {
  const voc = createVoc(ctx);
  app.get('/v1/voc/settings', {
    schema: {
      tags: ['complaints', 'surveys'],
      summary: 'Business hours, holidays, SLA targets, survey cooldown and links',
      security: SECURITY,
      response: { 200: ZVocSettings, ...problems() },
    },
    handler: async (req) => readSettings(ctx.db, req.clubId),
  });
  app.patch('/v1/voc/settings', {
    schema: {
      tags: ['complaints', 'surveys'],
      summary: 'Change voice-of-the-customer settings',
      description: 'Fields left out keep their value. SLA targets apply to complaints created afterwards.',
      security: SECURITY,
      body: ZPatchVocSettings,
      response: { 200: ZVocSettings, ...problems() },
    },
    handler: async (req) => patchSettings(ctx.db, req.clubId, req.body),
  });
  registerComplaintsRoutes(app, voc.complaints);
  registerSurveysRoutes(app, voc.surveys);
  registerReviewsRoutes(app, voc.reviews);
  registerPromisesRoutes(app, voc.promises);
  registerStaffViewsRoutes(app, new StaffViewsService(ctx.db, ctx.services, voc.complaints, ctx.clock));
}

async function forEachClub(ctx: AppContext, sql: string, fn: (clubId: string) => Promise<unknown>) {
  const { rows } = await ctx.db.query<{ club_id: string }>(sql);
  for (const r of rows) await fn(r.club_id);
  return rows.length;
}

function jobs(ctx: AppContext): Job[] {
  const voc = createVoc(ctx);
  return [
    {
      id: 'voc-surveys',
      everyMs: 60_000,
      slowMs: 30_000,
      handler: async () =>
        forEachClub(ctx, 'select distinct club_id from survey_touchpoints where is_active', async (c) => {
          await voc.surveys.scheduleTouchpoints(c);
          await voc.surveys.sendDue(c);
        }),
    },
    {
      id: 'voc-complaints-sla',
      everyMs: 60_000,
      slowMs: 30_000,
      handler: async () =>
        forEachClub(ctx, `select distinct club_id from complaints where status <> 'closed'`, (c) =>
          voc.complaints.scan(c),
        ),
    },
    {
      id: 'voc-late-deliveries',
      everyMs: 5 * 60_000,
      slowMs: 60_000,
      handler: async () =>
        forEachClub(ctx, 'select club_id from voc_settings where late_apology_hours is not null', (c) =>
          voc.promises.scanLate(c),
        ),
    },
  ];
}

/**
 * Voice of the customer (docs/voice-of-customer.md): complaints with an SLA clock, surveys at journey
 * touchpoints with personal links, verified-purchase reviews, and the kept-promises report.
 */
export const vocModule: VafaModule = {
  name: 'voc',
  migrations: VOC_MIGRATIONS,
  registerRoutes,
  registerPublicRoutes: (app, ctx) => registerSurveyLinkRoutes(app, createVoc(ctx).surveys),
  jobs,
};
