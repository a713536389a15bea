import type { Queryable } from '../../db/db.js';
import type { AppContext } from '../../http/types.js';
import { newId } from '../../lib/ids.js';
import { addBusinessMinutes, businessMinutesBetween } from './business-time.js';
import { createVoc } from './index.js';
import { calendarOf, DEFAULT_SLA_TARGETS, patchSettings, type TPriority } from './settings.js';

/**
 * Demo history for the voice of the customer: surveys at three touchpoints with 18 months of answers
 * (delivery satisfaction dips in the Yalda and Nowruz rush), complaints through their whole life with
 * root causes and a recorded fix, verified-purchase reviews, and carriers for the kept-promises report.
 * Written with bulk SQL rather than through the services so that it takes seconds; the ledger is not
 * touched (no points for this history), so the demo club's balances stay those of its orders.
 * The last week is made through the services instead (seedLiveWeek): complaints still open, some
 * past their SLA, and the portal's demo member (`portalMemberExternalId`) with a complaint resolved
 * through its whole timeline, one waiting on them, and the survey that followed the resolution.
 */
export async function seedDemo(
  ctx: AppContext,
  clubId: string,
  opts: { portalMemberExternalId?: string | null } = {},
): Promise<void> {
  const rnd = mulberry32(1404);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const now = ctx.clock();

  // Nowruz, Sizdah-be-dar and a few national holidays of 1403-1405 (Gregorian dates, Tehran).
  const settings = await patchSettings(ctx.db, clubId, {
    holidays: [
      '2025-03-20',
      '2025-03-21',
      '2025-03-22',
      '2025-03-23',
      '2025-03-24',
      '2025-04-01',
      '2025-04-02',
      '2025-06-04',
      '2025-06-05',
      '2025-07-05',
      '2025-07-06',
      '2025-08-14',
      '2025-08-22',
      '2025-09-08',
      '2026-02-11',
      '2026-03-20',
      '2026-03-21',
      '2026-03-22',
      '2026-03-23',
      '2026-03-24',
      '2026-04-01',
      '2026-04-02',
    ],
    followUpComplaints: true,
    lateApologyHours: 24,
  });
  const cal = calendarOf(settings);
  // The portal member's recent history leaves the survey cooldown free, so the survey that follows
  // their resolved complaint this week is sent rather than throttled.
  const portalMemberId = opts.portalMemberExternalId
    ? await ctx.services.members.getMemberId(clubId, opts.portalMemberExternalId)
    : null;
  const portalQuietFrom = now.getTime() - (settings.surveyCooldownDays + 14) * 86_400_000;

  const { rows: orders } = await ctx.db.query<{
    order_id: string;
    external_id: string;
    member_id: string;
    delivered_at: Date;
    promised_delivery_at: Date | null;
    province: string | null;
  }>(
    `select o.order_id, o.external_id, o.member_id, o.delivered_at, o.promised_delivery_at, m.province
     from orders o join members m on m.club_id = o.club_id and m.member_id = o.member_id
     where o.club_id = $1 and o.status = 'delivered' and o.delivered_at is not null order by o.delivered_at`,
    [clubId],
  );
  if (orders.length === 0) return;

  await ctx.db.transaction(async (tx) => {
    // ---- Categories, root causes, a fix ----
    const categories: Array<[string, string | null, string, string]> = [
      ['delivery', null, 'ارسال و تحویل', 'Delivery'],
      ['delivery.late', 'delivery', 'تأخیر در تحویل', 'Late delivery'],
      ['delivery.damaged', 'delivery', 'آسیب در حمل', 'Damaged in transit'],
      ['product', null, 'کالا', 'Product'],
      ['product.wrong', 'product', 'کالای اشتباه', 'Wrong item'],
      ['product.quality', 'product', 'کیفیت کالا', 'Quality'],
      ['payment', null, 'پرداخت و بازگشت وجه', 'Payment and refunds'],
      ['support', null, 'رفتار پشتیبانی', 'Support conduct'],
    ];
    await bulk(
      tx,
      'complaint_categories',
      ['club_id', 'category_key', 'parent_key', 'name_fa', 'name_en'],
      categories.map((c) => [clubId, ...c]),
    );
    const causes: Array<[string, string, string]> = [
      ['carrier-delay', 'تأخیر شرکت حمل', 'Carrier delay'],
      ['warehouse-picking', 'خطای جمع‌آوری انبار', 'Warehouse picking error'],
      ['packaging', 'بسته‌بندی نامناسب', 'Poor packaging'],
      ['supplier-quality', 'کیفیت تأمین‌کننده', 'Supplier quality'],
      ['refund-process', 'کندی فرایند بازگشت وجه', 'Slow refund process'],
      ['site-bug', 'خطای سایت', 'Website bug'],
    ];
    await bulk(
      tx,
      'root_causes',
      ['club_id', 'cause_key', 'name_fa', 'name_en'],
      causes.map((c) => [clubId, ...c]),
    );
    const packagingFix = new Date(now.getTime() - 180 * 86_400_000);
    await bulk(
      tx,
      'root_cause_fixes',
      ['club_id', 'fix_id', 'cause_key', 'fixed_at', 'note'],
      [[clubId, newId('fix'), 'packaging', packagingFix, 'کارتن دولایه و ضربه‌گیر برای کالاهای شکستنی']],
    );

    // ---- Carriers: by province, so the report can compare them ----
    const carriers = ['پست', 'تیپاکس', 'چاپار', 'الوپیک'];
    const carrierRows = orders.map((o) => [
      clubId,
      o.external_id,
      o.province === 'تهران' && rnd() < 0.5 ? 'الوپیک' : carriers[Math.floor(rnd() * 3)]!,
    ]);
    await bulk(tx, 'order_carriers', ['club_id', 'order_external_id', 'carrier'], carrierRows);

    // ---- Surveys and touchpoints ----
    const created = new Date(orders[0]!.delivered_at.getTime() - 86_400_000);
    const sDelivery = newId('srv');
    const sNps = newId('srv');
    const sCes = newId('srv');
    await bulk(
      tx,
      'surveys',
      ['club_id', 'survey_id', 'kind', 'title', 'question', 'questions', 'created_at'],
      [
        [
          clubId,
          sDelivery,
          'csat',
          'رضایت از تحویل سفارش',
          'از تحویل سفارش خود چقدر راضی بودید؟',
          JSON.stringify([
            {
              id: 'issue',
              type: 'choice',
              text: 'اگر مشکلی بود، چه بود؟',
              choices: ['تأخیر', 'بسته‌بندی', 'رفتار پیک', 'مشکلی نبود'],
            },
          ]),
          created,
        ],
        [
          clubId,
          sNps,
          'nps',
          'پیشنهاد به دوستان',
          'چقدر احتمال دارد ما را به دوستان خود پیشنهاد کنید؟',
          '[]',
          created,
        ],
        [clubId, sCes, 'ces', 'سهولت پیگیری شکایت', 'حل مشکل شما چقدر آسان بود؟', '[]', created],
      ],
    );
    const tpDelivery = newId('tp');
    const tpNps = newId('tp');
    const tpCes = newId('tp');
    await bulk(
      tx,
      'survey_touchpoints',
      [
        'club_id',
        'touchpoint_id',
        'survey_id',
        'trigger',
        'department',
        'delay_hours',
        'period_days',
        'channel',
        'scanned_until',
        'created_at',
      ],
      [
        [clubId, tpDelivery, sDelivery, 'order_delivered', 'delivery', 4, null, 'sms', now, created],
        [clubId, tpNps, sNps, 'periodic', 'marketing', 0, 90, 'sms', now, created],
        [clubId, tpCes, sCes, 'complaint_resolved', 'support', 24, null, 'sms', now, created],
      ],
    );

    const invitations: unknown[][] = [];
    const responses: unknown[][] = [];
    const lastSent = new Map<string, number>();
    const comments = {
      good: [
        'خیلی سریع رسید، ممنون',
        'بسته‌بندی عالی بود',
        'پیک مؤدب و خوش‌برخورد بود',
        'همه‌چیز عالی بود',
        'مثل همیشه راضی هستم',
      ],
      bad: [
        'دو روز دیرتر از موعد رسید',
        'جعبه له شده بود',
        'پیک تماس نگرفت',
        'کالا با عکس سایت فرق داشت',
        'پشتیبانی جواب نمی‌داد',
      ],
    };
    // Peaks (Yalda in December, the Nowruz rush in March) strain delivery: satisfaction dips there.
    const strain = (at: Date) => ([12, 3].includes(at.getUTCMonth() + 1) ? 0.25 : 0);
    const invite = (
      member: string,
      tp: string,
      survey: string,
      dept: string,
      subject: [string, string],
      sentAt: Date,
      score: () => number | null,
    ) => {
      if (member === portalMemberId && sentAt.getTime() > portalQuietFrom) return;
      const last = lastSent.get(member) ?? 0;
      const id = newId('inv');
      const throttled = sentAt.getTime() - last < settings.surveyCooldownDays * 86_400_000;
      const answered = !throttled && rnd() < 0.38;
      const answeredAt = new Date(sentAt.getTime() + (1 + rnd() * 30) * 3_600_000);
      if (!throttled) lastSent.set(member, sentAt.getTime());
      invitations.push([
        clubId,
        id,
        survey,
        tp,
        member,
        subject[0],
        subject[1],
        sentAt,
        throttled ? 'throttled' : answered ? 'answered' : 'sent',
        throttled ? 'cooldown' : null,
        throttled ? null : new Date(sentAt.getTime() + 168 * 3_600_000),
        throttled ? null : sentAt,
        answered ? answeredAt : null,
        sentAt,
      ]);
      if (!answered || answeredAt > now) return;
      const s = score();
      const good = s !== null && (dept === 'marketing' ? s >= 9 : s >= 4);
      const comment = rnd() < 0.3 ? pick(good ? comments.good : comments.bad) : null;
      responses.push([clubId, newId('rsp'), id, survey, tp, dept, member, s, comment, '{}', answeredAt]);
    };
    for (const o of orders) {
      if (rnd() > 0.12) continue;
      const sentAt = new Date(o.delivered_at.getTime() + 4 * 3_600_000);
      if (sentAt > now) continue;
      const late = o.promised_delivery_at && o.delivered_at > o.promised_delivery_at ? 0.3 : 0;
      invite(o.member_id, tpDelivery, sDelivery, 'delivery', ['order', o.order_id], sentAt, () => {
        if (rnd() < 0.04) return null; // skipped
        const r = rnd() + strain(o.delivered_at) + late;
        return r < 0.55 ? 5 : r < 0.8 ? 4 : r < 0.95 ? 3 : r < 1.1 ? 2 : 1;
      });
    }
    // Relationship NPS every 90 days to members who bought.
    const members = [...new Set(orders.map((o) => o.member_id))];
    const start = orders[0]!.delivered_at.getTime() + 30 * 86_400_000;
    for (let t = start, period = 0; t < now.getTime(); t += 90 * 86_400_000, period++) {
      const trend = period * 0.03; // the club improves slowly: NPS rises over the 18 months
      for (const m of members) {
        if (rnd() > 0.25) continue;
        invite(
          m,
          tpNps,
          sNps,
          'marketing',
          ['period', `${tpNps}:${period}`],
          new Date(t + rnd() * 10 * 86_400_000),
          () => {
            const r = rnd() - trend;
            return r < 0.35
              ? 9 + Math.floor(rnd() * 2)
              : r < 0.65
                ? 7 + Math.floor(rnd() * 2)
                : Math.floor(rnd() * 7);
          },
        );
      }
    }

    // ---- Complaints through their life ----
    const complaintRows: unknown[][] = [];
    const events: unknown[][] = [];
    const agents = ['سارا احمدی', 'رضا کریمی', 'مینا رستمی'];
    const texts: Record<string, string[]> = {
      'delivery.late': ['سفارشم سه روز دیر رسید', 'زمان تحویل چند بار عوض شد'],
      'delivery.damaged': ['جعبه له شده بود و کالا ضربه خورده', 'شیشهٔ کالا شکسته رسید'],
      'product.wrong': ['رنگ کالا با سفارش فرق داشت', 'به جای سایز ۴۲ سایز ۴۰ فرستادند'],
      'product.quality': ['بعد از یک هفته خراب شد', 'کیفیت پارچه پایین است'],
      payment: ['وجه مرجوعی هنوز برنگشته', 'مبلغ دو بار کسر شد'],
      support: ['پشتیبانی تلفن را جواب نداد'],
    };
    const causeOf: Record<string, string[]> = {
      'delivery.late': ['carrier-delay', 'carrier-delay', 'warehouse-picking'],
      'delivery.damaged': ['packaging', 'packaging', 'carrier-delay'],
      'product.wrong': ['warehouse-picking'],
      'product.quality': ['supplier-quality'],
      payment: ['refund-process', 'site-bug'],
      support: ['refund-process'],
    };
    const cesInvites: Array<[string, string, Date]> = [];
    for (const o of orders) {
      const late = o.promised_delivery_at && o.delivered_at > o.promised_delivery_at;
      if (rnd() > (late ? 0.05 : 0.008)) continue;
      const category = late ? 'delivery.late' : pick(Object.keys(texts));
      const createdAt = new Date(o.delivered_at.getTime() + (2 + rnd() * 72) * 3_600_000);
      if (createdAt > now) continue;
      let cause = pick(causeOf[category]!);
      // After the packaging fix, damage complaints mostly have other causes: few recurrences.
      if (cause === 'packaging' && createdAt > packagingFix && rnd() < 0.8) cause = 'carrier-delay';
      const priority: TPriority = category === 'payment' ? 'high' : rnd() < 0.1 ? 'urgent' : 'normal';
      const targets = DEFAULT_SLA_TARGETS[priority];
      const id = newId('cmp');
      const agent = pick(agents);
      const ack = addBusinessMinutes(
        cal,
        createdAt,
        30 + Math.floor(rnd() * targets.firstResponseMinutes * 1.2),
      )!;
      const resolveAfter = Math.floor(targets.resolutionMinutes * (0.2 + rnd()));
      const resolved = addBusinessMinutes(cal, ack, resolveAfter)!;
      const closed = new Date(resolved.getTime() + 7 * 86_400_000);
      const stage =
        resolved > now ? (ack > now ? 'new' : 'in_progress') : closed > now ? 'resolved' : 'closed';
      const frMinutes = ack <= now ? businessMinutesBetween(cal, createdAt, ack) : null;
      const resMinutes =
        stage === 'resolved' || stage === 'closed' ? businessMinutesBetween(cal, createdAt, resolved) : null;
      const description = pick(texts[category]!);
      complaintRows.push([
        clubId,
        id,
        o.member_id,
        o.external_id,
        category,
        pick(['api', 'portal', 'portal', 'staff']),
        priority,
        description,
        '[]',
        stage,
        stage === 'new' ? null : agent,
        resMinutes === null ? null : cause,
        targets.firstResponseMinutes,
        targets.resolutionMinutes,
        resMinutes ?? 0,
        resMinutes === null ? createdAt : null,
        ack <= now ? ack : null,
        frMinutes,
        resMinutes,
        createdAt,
        resMinutes === null ? null : resolved,
        stage === 'closed' ? closed : null,
        stage === 'closed' ? closed : resolved > now ? ack : resolved,
      ]);
      events.push([
        clubId,
        id,
        1,
        createdAt,
        'member',
        null,
        'created',
        null,
        'new',
        'شکایت شما ثبت شد و پیگیری می‌شود.',
        null,
      ]);
      if (ack <= now)
        events.push([
          clubId,
          id,
          2,
          ack,
          'staff',
          agent,
          'status',
          'new',
          'in_progress',
          'درخواست شما در حال بررسی است.',
          null,
        ]);
      if (resMinutes !== null) {
        events.push([
          clubId,
          id,
          3,
          resolved,
          'staff',
          agent,
          'status',
          'in_progress',
          'resolved',
          pick(['کالای جایگزین ارسال شد.', 'وجه به حساب شما بازگشت.', 'با شرکت حمل پیگیری و جبران شد.']),
          `علت: ${cause}`,
        ]);
        if (rnd() < 0.5) cesInvites.push([o.member_id, id, new Date(resolved.getTime() + 24 * 3_600_000)]);
      }
      if (stage === 'closed')
        events.push([
          clubId,
          id,
          4,
          closed,
          'system',
          null,
          'status',
          'resolved',
          'closed',
          'پرونده بسته شد. از اینکه به ما گفتید سپاسگزاریم.',
          null,
        ]);
    }
    for (const [m, cmp, at] of cesInvites) {
      if (at > now) continue;
      invite(m, tpCes, sCes, 'support', ['complaint', cmp], at, () => {
        const r = rnd();
        return r < 0.5
          ? 6 + Math.floor(rnd() * 2)
          : r < 0.8
            ? 4 + Math.floor(rnd() * 2)
            : 1 + Math.floor(rnd() * 3);
      });
    }
    await bulk(
      tx,
      'complaints',
      [
        'club_id',
        'complaint_id',
        'member_id',
        'order_external_id',
        'category_key',
        'channel',
        'priority',
        'description',
        'attachments',
        'status',
        'assignee',
        'root_cause_key',
        'first_response_target_minutes',
        'resolution_target_minutes',
        'sla_used_minutes',
        'sla_clock_since',
        'first_response_at',
        'first_response_minutes',
        'resolution_minutes',
        'created_at',
        'resolved_at',
        'closed_at',
        'updated_at',
      ],
      complaintRows,
    );
    await bulk(
      tx,
      'complaint_events',
      [
        'club_id',
        'complaint_id',
        'seq',
        'at',
        'author_type',
        'author',
        'kind',
        'from_status',
        'to_status',
        'customer_note',
        'internal_note',
      ],
      events,
    );
    await bulk(
      tx,
      'survey_invitations',
      [
        'club_id',
        'invitation_id',
        'survey_id',
        'touchpoint_id',
        'member_id',
        'subject_type',
        'subject_id',
        'due_at',
        'status',
        'drop_reason',
        'expires_at',
        'sent_at',
        'answered_at',
        'created_at',
      ],
      invitations,
    );
    await bulk(
      tx,
      'survey_responses',
      [
        'club_id',
        'response_id',
        'invitation_id',
        'survey_id',
        'touchpoint_id',
        'department',
        'member_id',
        'score',
        'comment',
        'answers',
        'answered_at',
      ],
      responses,
    );

    // ---- Reviews of delivered purchases ----
    const { rows: lines } = await tx.query<{
      member_id: string;
      external_id: string;
      sku: string;
      delivered_at: Date;
    }>(
      `select distinct on (o.member_id, l.sku) o.member_id, o.external_id, l.sku, o.delivered_at
       from orders o join order_lines l on l.club_id = o.club_id and l.order_id = o.order_id
       where o.club_id = $1 and o.status = 'delivered' and (hashtext(o.order_id) % 20) = 0
       order by o.member_id, l.sku, o.delivered_at`,
      [clubId],
    );
    const reviewTexts: Record<number, string[]> = {
      5: ['عالی است، دقیقاً همان چیزی بود که می‌خواستم', 'کیفیت ساخت فوق‌العاده، به همه پیشنهاد می‌کنم'],
      4: ['در کل راضی هستم، قیمتش کمی بالاست', 'خوب است ولی بسته‌بندی بهتر می‌شد'],
      3: ['معمولی است، انتظار بیشتری داشتم'],
      2: ['بعد از چند هفته ایراد پیدا کرد'],
      1: ['اصلاً راضی نیستم، با توضیحات سایت فرق دارد'],
    };
    const reviewRows: unknown[][] = [];
    for (const l of lines) {
      const r = rnd();
      const rating = r < 0.45 ? 5 : r < 0.75 ? 4 : r < 0.87 ? 3 : r < 0.94 ? 2 : 1;
      const createdAt = new Date(l.delivered_at.getTime() + (1 + rnd() * 10) * 86_400_000);
      if (createdAt > now) continue;
      const recent = now.getTime() - createdAt.getTime() < 5 * 86_400_000;
      const status = recent ? 'pending' : rnd() < 0.9 ? 'approved' : 'rejected';
      reviewRows.push([
        clubId,
        newId('rev'),
        l.member_id,
        l.sku,
        l.external_id,
        rating,
        null,
        pick(reviewTexts[rating]!),
        status,
        status === 'rejected' ? 'حاوی اطلاعات تماس بود' : null,
        status === 'pending' ? null : 'moderator',
        status === 'pending' ? null : new Date(createdAt.getTime() + 86_400_000),
        status === 'approved' ? Math.floor(rnd() * 25) : 0,
        status === 'approved' ? Math.floor(rnd() * 4) : 0,
        createdAt,
      ]);
    }
    await bulk(
      tx,
      'reviews',
      [
        'club_id',
        'review_id',
        'member_id',
        'sku',
        'order_external_id',
        'rating',
        'title',
        'body',
        'status',
        'moderation_note',
        'moderated_by',
        'moderated_at',
        'helpful_count',
        'unhelpful_count',
        'created_at',
      ],
      reviewRows,
    );
  });
  await seedLiveWeek(ctx, clubId, orders, opts.portalMemberExternalId ?? null);
}

/**
 * The last week through the complaint and survey services, each step at its own time (a clock moved
 * through the week), so the timelines, SLA timers and the survey link are as a real week leaves them;
 * points for complaining and compensation go through the ledger (the club's rules decide).
 */
async function seedLiveWeek(
  ctx: AppContext,
  clubId: string,
  orders: ReadonlyArray<{ external_id: string; member_id: string; delivered_at: Date }>,
  portalExternalId: string | null,
): Promise<void> {
  const DAY = 86_400_000;
  const now = ctx.clock().getTime();
  let at = now;
  const voc = createVoc({ ...ctx, clock: () => new Date(at) });
  const { rows: members } = await ctx.db.query<{ member_id: string; external_id: string }>(
    'select member_id, external_id from members where club_id = $1 and (member_id = any($2) or external_id = $3)',
    [clubId, [...new Set(orders.slice(-400).map((o) => o.member_id))], portalExternalId],
  );
  const externalOf = new Map(members.map((m) => [m.member_id, m.external_id]));
  const agent = 'سارا احمدی';

  // Open complaints of other members: two untouched for days (past their SLA targets), one acknowledged,
  // one waiting on the customer, so the queue has every timer state.
  const recent = orders
    .slice(-400)
    .filter((o) => externalOf.get(o.member_id) && externalOf.get(o.member_id) !== portalExternalId);
  const open: Array<[number, string, string, string, 'normal' | 'high' | 'urgent']> = [
    // Ten days and more: past their targets even when Nowruz or other holidays fill the week before.
    [12, 'delivery.damaged', 'کارتن خیس و پاره رسید و گوشهٔ کالا شکسته است.', 'new', 'high'],
    [10, 'payment', 'مبلغ سفارش دو بار از حسابم کسر شده است.', 'new', 'urgent'],
    [2, 'product.quality', 'دستگاه بعد از دو روز روشن نمی‌شود.', 'acknowledged', 'normal'],
    [1, 'product.wrong', 'رنگ کالای ارسالی با سفارش فرق دارد.', 'waiting_on_customer', 'normal'],
  ];
  const used = new Set<string>();
  for (const [k, [daysAgo, category, description, status, priority]] of open.entries()) {
    at = now - daysAgo * DAY;
    // The latest order delivered before the complaint, of a member not complaining already.
    const o = recent.findLast((r) => r.delivered_at.getTime() < at && !used.has(r.member_id));
    if (!o) continue;
    used.add(o.member_id);
    const { body } = await voc.complaints.create(
      clubId,
      {
        memberExternalId: externalOf.get(o.member_id)!,
        orderExternalId: o.external_id,
        category,
        description,
        attachments: [],
        priority,
        channel: 'api',
      },
      'demo',
      `demo-open-${k}`,
    );
    at += 3 * 3_600_000;
    if (status !== 'new') await voc.complaints.patch(clubId, body.id, { assignee: agent });
    if (status === 'acknowledged')
      await voc.complaints.transition(
        clubId,
        body.id,
        { to: 'acknowledged', customerNote: 'شکایت شما را دریافت کردیم و بررسی می‌کنیم.', author: agent },
        'demo',
      );
    if (status === 'waiting_on_customer')
      await voc.complaints.transition(
        clubId,
        body.id,
        {
          to: 'waiting_on_customer',
          customerNote: 'لطفاً عکسی از کالا و برچسب بسته بفرستید.',
          author: agent,
        },
        'demo',
      );
  }

  if (portalExternalId) {
    const portalId = members.find((m) => m.external_id === portalExternalId)?.member_id;
    const mine = orders.filter((o) => o.member_id === portalId);
    // Each complaint names an order delivered before it was filed.
    const older = mine.findLast((o) => o.delivered_at.getTime() < now - 8 * DAY);
    // Resolved this week through every step: filed in the portal, taken up, a question, the member's
    // answer, resolved with a root cause and compensation points.
    at = now - 8 * DAY;
    const { body: resolved } = await voc.complaints.create(
      clubId,
      {
        memberExternalId: portalExternalId,
        ...(older ? { orderExternalId: older.external_id } : {}),
        category: 'delivery.damaged',
        description: 'جعبه له شده بود و یکی از لیوان‌ها شکسته رسید.',
        attachments: [],
        priority: 'normal',
        channel: 'portal',
      },
      portalExternalId,
      'demo-portal-resolved',
    );
    at += 2 * 3_600_000;
    await voc.complaints.patch(clubId, resolved.id, { assignee: agent });
    await voc.complaints.transition(
      clubId,
      resolved.id,
      { to: 'in_progress', customerNote: 'درخواست شما در حال بررسی است.', author: agent },
      'demo',
    );
    at += 3 * 3_600_000;
    await voc.complaints.reply(
      clubId,
      resolved.id,
      { from: 'staff', message: 'لطفاً بفرمایید چند لیوان آسیب دیده است تا جایگزین بفرستیم.', author: agent },
      'demo',
    );
    at += 5 * 3_600_000;
    await voc.complaints.reply(
      clubId,
      resolved.id,
      { from: 'member', message: 'دو لیوان از شش لیوان شکسته بود.', author: portalExternalId },
      portalExternalId,
    );
    at = now - 6 * DAY;
    await voc.complaints.transition(
      clubId,
      resolved.id,
      {
        to: 'resolved',
        rootCause: 'packaging',
        customerNote: 'دو لیوان جایگزین امروز ارسال شد و ۳۰۰ امتیاز برای جبران به حساب شما افزوده شد.',
        internalNote: 'بسته‌بندی بدون ضربه‌گیر ارسال شده بود.',
        compensation: { points: 300 },
        author: agent,
      },
      'demo',
    );
    // Waiting on the member now: the portal asks them for the photo.
    at = now - DAY;
    const latest = mine.findLast((o) => o.delivered_at.getTime() < at && o !== older);
    const { body: waiting } = await voc.complaints.create(
      clubId,
      {
        memberExternalId: portalExternalId,
        ...(latest ? { orderExternalId: latest.external_id } : {}),
        category: 'product.wrong',
        description: 'سایز کفش ارسالی ۴۰ است ولی ۴۲ سفارش داده بودم.',
        attachments: [],
        priority: 'normal',
        channel: 'portal',
      },
      portalExternalId,
      'demo-portal-waiting',
    );
    at += 4 * 3_600_000;
    await voc.complaints.patch(clubId, waiting.id, { assignee: agent });
    await voc.complaints.transition(
      clubId,
      waiting.id,
      {
        to: 'waiting_on_customer',
        customerNote: 'لطفاً عکسی از برچسب سایز داخل کفش بفرستید تا تعویض را ثبت کنیم.',
        author: agent,
      },
      'demo',
    );
  }
  // Now: the survey that followed the resolution goes out (its link is the member's pending survey),
  // and the SLA job flags the complaints past their targets.
  at = now;
  await voc.surveys.sendDue(clubId);
  await voc.complaints.scan(clubId);
}

/** Inserts rows in chunks through one multi-row VALUES statement each. */
async function bulk(tx: Queryable, table: string, cols: string[], rows: unknown[][]): Promise<void> {
  const chunk = Math.max(1, Math.floor(30_000 / cols.length));
  for (let i = 0; i < rows.length; i += chunk) {
    const part = rows.slice(i, i + chunk);
    const params: unknown[] = [];
    const values = part.map((r) => `(${r.map((v) => `$${params.push(v)}`).join(', ')})`).join(', ');
    await tx.query(`insert into ${table} (${cols.join(', ')}) values ${values}`, params);
  }
}

/** A small seeded PRNG: the demo is the same on every load. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
