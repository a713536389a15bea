/** What a staff user may see and do. API keys are not staff: they keep full access to /v1. */
export const STAFF_ROLES = ['owner', 'marketer', 'support', 'analyst'] as const;
export type TStaffRole = (typeof STAFF_ROLES)[number];

type TMethods = 'read' | 'write' | 'any';

interface RouteGrant {
  /** GET/HEAD are reads; every other method is a write. */
  methods: TMethods;
  /** Matched against the route pattern (`/v1/members/:externalId/ledger`), not the raw URL. */
  pattern: RegExp;
  roles: ReadonlyArray<TStaffRole>;
}

const ALL: ReadonlyArray<TStaffRole> = STAFF_ROLES;
const OWNER: ReadonlyArray<TStaffRole> = ['owner'];

/**
 * The role table, first match wins; a route no row matches is the owner's alone, so a new route is
 * closed to the other roles until someone decides otherwise. docs/dashboard.md shows the same table.
 */
export const ROUTE_GRANTS: ReadonlyArray<RouteGrant> = [
  // Secrets and integrations: API keys, webhooks and their signing secrets, the raw outbox; and the
  // audit log, which shows every user's actions.
  { methods: 'any', pattern: /^\/v1\/(api-keys|webhooks|integrations|outbox|audit-log)(\/|$)/, roles: OWNER },
  // Everything held about one person, and its erasure: those who answer members' requests.
  { methods: 'any', pattern: /^\/v1\/members\/:externalId\/(export|erase)$/, roles: ['owner', 'support'] },
  { methods: 'write', pattern: /^\/v1\/(club|price-settings|notifications\/settings)$/, roles: OWNER },
  {
    methods: 'read',
    pattern: /^\/v1\/notifications\/(settings|messages)(\/|$)/,
    roles: ['owner', 'marketer', 'support'],
  },
  // Dry runs change nothing: anyone who can read may try them.
  { methods: 'write', pattern: /^\/v1\/(orders\/simulate|notifications\/templates\/preview)$/, roles: ALL },
  // Support works with members: corrections to points, tiers and profiles, and the complaint queue.
  {
    methods: 'write',
    pattern: /^\/v1\/members\/:externalId(\/points\/adjustments|\/tier)?$/,
    roles: ['owner', 'support'],
  },
  { methods: 'write', pattern: /^\/v1\/(complaints|tickets)(\/|$)/, roles: ['owner', 'support'] },
  // Marketing runs the programme.
  {
    methods: 'write',
    pattern:
      /^\/v1\/(rules|tiers|tier-settings|campaigns|rewards|coupons|coupon-batches|raffles|referrals|referral-settings|surveys|segments|notifications\/templates)(\/|$)/,
    roles: ['owner', 'marketer'],
  },
  // Recomputing the insights snapshot is the analyst's own work (and changes no member's data).
  { methods: 'write', pattern: /^\/v1\/insights\/runs$/, roles: ['owner', 'analyst'] },
  // Everything else may be read by every role (analysts are read-only).
  { methods: 'read', pattern: /^\/v1\//, roles: ALL },
];

/** Whether a staff role may call the route; `routeUrl` is the registered pattern. */
export function isAllowed(role: TStaffRole, method: string, routeUrl: string): boolean {
  const isRead = method === 'GET' || method === 'HEAD';
  for (const g of ROUTE_GRANTS) {
    if (g.methods === 'read' && !isRead) continue;
    if (g.methods === 'write' && isRead) continue;
    if (g.pattern.test(routeUrl)) return g.roles.includes(role);
  }
  return role === 'owner';
}
