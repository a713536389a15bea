import type { Migration } from '../../db/migrations.js';

/** Voice of the customer (surveys, complaints, reviews, kept promises): versions 6000-6999. */
export const VOC_MIGRATIONS: ReadonlyArray<Migration> = [
  {
    version: 6000,
    name: 'voc: settings, complaints, surveys, reviews, carriers',
    sql: `
create table voc_settings (
  club_id text primary key references clubs (club_id),
  -- Open hours per weekday ({"sat": [[540, 1020]], ...}, minutes after Tehran midnight) and closed dates.
  business_hours jsonb not null,
  holidays date[] not null default '{}',
  -- Per priority: {"normal": {"firstResponseMinutes": 480, "resolutionMinutes": 2400}, ...}.
  sla_targets jsonb not null,
  -- A warning is raised when this share of a target is used.
  sla_warning_percent integer not null default 80 check (sla_warning_percent between 1 and 99),
  -- A member reply within this many days of resolution reopens; later, it opens a new complaint.
  reopen_window_days integer not null default 7 check (reopen_window_days between 0 and 90),
  -- A member is asked at most once per this many days, across all surveys.
  survey_cooldown_days integer not null default 30 check (survey_cooldown_days between 0 and 365),
  survey_link_ttl_hours integer not null default 168 check (survey_link_ttl_hours between 1 and 2160),
  survey_link_base text not null default 'http://127.0.0.1:3000/s',
  -- An NPS detractor or a CES of 1-2 opens a follow-up complaint.
  follow_up_complaints boolean not null default true,
  -- A delivery this many hours or more after the promise raises delivery_late (apology rule).
  late_apology_hours integer check (late_apology_hours between 1 and 720),
  late_scanned_until timestamptz,
  updated_at timestamptz not null default now()
);

-- The club's complaint categories, a tree (parent_key null at the top).
create table complaint_categories (
  club_id text not null references clubs (club_id),
  category_key text not null,
  parent_key text,
  name_fa text not null,
  name_en text,
  primary key (club_id, category_key)
);

create table root_causes (
  club_id text not null references clubs (club_id),
  cause_key text not null,
  name_fa text not null,
  name_en text,
  primary key (club_id, cause_key)
);

-- A fix recorded against a root cause: a complaint with the same cause after it is a recurrence.
create table root_cause_fixes (
  club_id text not null,
  fix_id text not null,
  cause_key text not null,
  fixed_at timestamptz not null,
  note text not null,
  primary key (club_id, fix_id),
  foreign key (club_id, cause_key) references root_causes (club_id, cause_key)
);

create table complaints (
  club_id text not null,
  complaint_id text not null,
  member_id text not null,
  order_external_id text,
  category_key text,
  channel text not null check (channel in ('portal', 'api', 'staff', 'survey')),
  priority text not null check (priority in ('low', 'normal', 'high', 'urgent')),
  description text not null,
  attachments jsonb not null default '[]'::jsonb,
  status text not null check (status in ('new', 'acknowledged', 'in_progress', 'waiting_on_customer', 'resolved', 'closed', 'reopened')),
  assignee text,
  root_cause_key text,
  -- The complaint this one follows (a reply after the reopen window, or a survey answer's complaint).
  previous_complaint_id text,
  survey_response_id text,
  -- SLA targets copied at creation, so a later change of settings never rewrites a complaint's clock.
  first_response_target_minutes integer not null,
  resolution_target_minutes integer not null,
  -- Business minutes used before sla_clock_since; the clock runs from sla_clock_since (null: paused or stopped).
  sla_used_minutes integer not null default 0,
  sla_clock_since timestamptz,
  first_response_at timestamptz,
  first_response_minutes integer,
  resolution_minutes integer,
  warned_at timestamptz,
  breached_at timestamptz,
  created_at timestamptz not null,
  resolved_at timestamptz,
  closed_at timestamptz,
  updated_at timestamptz not null,
  primary key (club_id, complaint_id),
  foreign key (club_id, member_id) references members (club_id, member_id)
);
create index complaints_member_idx on complaints (club_id, member_id, created_at);
create index complaints_open_idx on complaints (club_id, status) where status not in ('closed');
create index complaints_cause_idx on complaints (club_id, root_cause_key, created_at);

-- The timeline: every change, with its author and the note the customer sees.
create table complaint_events (
  club_id text not null,
  complaint_id text not null,
  seq integer not null,
  at timestamptz not null,
  -- member, staff (an API key or agent name) or system.
  author_type text not null check (author_type in ('member', 'staff', 'system')),
  author text,
  kind text not null check (kind in ('created', 'status', 'note', 'reply', 'compensation')),
  from_status text,
  to_status text,
  customer_note text,
  internal_note text,
  details jsonb,
  primary key (club_id, complaint_id, seq)
);

create table surveys (
  club_id text not null references clubs (club_id),
  survey_id text not null,
  kind text not null check (kind in ('nps', 'csat', 'ces')),
  title text not null,
  question text not null,
  -- Optional free-text and choice questions: [{id, type, text, choices?}].
  questions jsonb not null default '[]'::jsonb,
  is_active boolean not null default true,
  created_at timestamptz not null,
  primary key (club_id, survey_id)
);

create table survey_touchpoints (
  club_id text not null,
  touchpoint_id text not null,
  survey_id text not null,
  trigger text not null check (trigger in ('order_delivered', 'complaint_resolved', 'first_order', 'periodic', 'manual')),
  department text not null check (department in ('marketing', 'sales', 'product', 'support', 'delivery')),
  -- Hours after the event (delivery, resolution) or days after the first order.
  delay_hours integer not null default 0 check (delay_hours between 0 and 8760),
  -- periodic: ask each member again after this many days.
  period_days integer check (period_days between 7 and 730),
  channel text not null check (channel in ('sms', 'email')),
  is_active boolean not null default true,
  -- Events before this instant are not surveyed (a new touchpoint does not survey history).
  scanned_until timestamptz not null,
  created_at timestamptz not null,
  primary key (club_id, touchpoint_id),
  foreign key (club_id, survey_id) references surveys (club_id, survey_id)
);

create table survey_invitations (
  club_id text not null,
  invitation_id text not null,
  survey_id text not null,
  touchpoint_id text not null,
  member_id text not null,
  -- What the survey is about: an order, a complaint, or a period for relationship surveys.
  subject_type text not null check (subject_type in ('order', 'complaint', 'member', 'period')),
  subject_id text not null,
  due_at timestamptz not null,
  status text not null check (status in ('scheduled', 'sent', 'answered', 'throttled', 'cancelled')),
  drop_reason text,
  -- sha256 of the link token; the token itself is only in the message.
  token_hash text unique,
  expires_at timestamptz,
  sent_at timestamptz,
  answered_at timestamptz,
  created_at timestamptz not null,
  primary key (club_id, invitation_id),
  foreign key (club_id, touchpoint_id) references survey_touchpoints (club_id, touchpoint_id)
);
-- Never twice about the same order or complaint, whatever the touchpoint.
create unique index survey_invitations_subject_key on survey_invitations (club_id, member_id, subject_type, subject_id);
create index survey_invitations_due_idx on survey_invitations (club_id, due_at) where status = 'scheduled';
create index survey_invitations_member_idx on survey_invitations (club_id, member_id, sent_at);
create index survey_invitations_sent_idx on survey_invitations (club_id, touchpoint_id, sent_at);

create table survey_responses (
  club_id text not null,
  response_id text not null,
  invitation_id text not null,
  survey_id text not null,
  touchpoint_id text not null,
  department text not null,
  member_id text not null,
  -- Null when the score question was skipped: such a response is not counted in the score.
  score integer,
  comment text,
  answers jsonb not null default '{}'::jsonb,
  answered_at timestamptz not null,
  primary key (club_id, response_id),
  unique (club_id, invitation_id)
);
create index survey_responses_survey_idx on survey_responses (club_id, survey_id, answered_at);

create table reviews (
  club_id text not null,
  review_id text not null,
  member_id text not null,
  sku text not null,
  -- The delivered order that makes it a verified purchase.
  order_external_id text not null,
  rating integer not null check (rating between 1 and 5),
  title text,
  body text not null,
  status text not null check (status in ('pending', 'approved', 'rejected')),
  moderation_note text,
  moderated_by text,
  moderated_at timestamptz,
  helpful_count integer not null default 0,
  unhelpful_count integer not null default 0,
  created_at timestamptz not null,
  primary key (club_id, review_id),
  unique (club_id, member_id, sku),
  foreign key (club_id, member_id) references members (club_id, member_id)
);
create index reviews_sku_idx on reviews (club_id, sku, status, created_at);
create index reviews_status_idx on reviews (club_id, status, created_at);

create table review_votes (
  club_id text not null,
  review_id text not null,
  member_id text not null,
  is_helpful boolean not null,
  created_at timestamptz not null,
  primary key (club_id, review_id, member_id)
);

-- Orders carry no carrier: the shop may name one per order here, by the order's external id.
create table order_carriers (
  club_id text not null references clubs (club_id),
  order_external_id text not null,
  carrier text not null,
  primary key (club_id, order_external_id)
);

-- Delivery reports and touchpoint scans read orders by delivery time.
create index if not exists voc_orders_delivered_idx on orders (club_id, delivered_at) where delivered_at is not null
`,
  },
  {
    version: 6050,
    name: 'voc: survey responses by member (the staff member page)',
    sql: 'create index survey_responses_member_idx on survey_responses (club_id, member_id, response_id)',
  },
];
