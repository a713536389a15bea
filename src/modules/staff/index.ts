import { setSessionAuthenticator } from '../../http/auth.js';
import type { AppContext } from '../../http/types.js';
import type { Job } from '../../jobs/scheduler.js';
import type { VafaModule } from '../registry.js';
import { AuditLog, registerAuditHooks } from './staff.audit.js';
import { STAFF_MIGRATIONS } from './staff.migrations.js';
import { StaffReports } from './staff.reports.js';
import { isAllowed, type TStaffRole } from './staff.roles.js';
import { registerAuditRoutes, registerReportRoutes, registerSessionRoutes } from './staff.routes.js';
import { isCsrfValid, StaffService } from './staff.service.js';
import { registerDashboard } from './staff.static.js';

export { isAudited, redact } from './staff.audit.js';
export { createDemoStaff, seedDemo } from './staff.demo.js';
export { isAllowed, ROUTE_GRANTS, STAFF_ROLES, type TStaffRole } from './staff.roles.js';
export { SESSION_PATH } from './staff.routes.js';
export { LOCKOUT_ATTEMPTS, LOCKOUT_MS, SESSION_TTL_MS, StaffService } from './staff.service.js';
export { WEB_DIST } from './staff.static.js';

// One service per app context, shared by the session routes, the /v1 auth hook and the sweep job.
const services = new WeakMap<AppContext, StaffService>();

export function staffOf(ctx: AppContext): StaffService {
  let s = services.get(ctx);
  if (!s) {
    s = new StaffService(ctx.db, ctx.clock);
    services.set(ctx, s);
    const staff = s;
    setSessionAuthenticator(ctx, {
      async authenticate(token) {
        const session = await staff.authenticate(token);
        return session
          ? {
              clubId: session.user.clubId,
              userId: session.user.id,
              email: session.user.email,
              role: session.user.role,
            }
          : null;
      },
      isCsrfValid,
      isAllowed: (role, method, url) => isAllowed(role as TStaffRole, method, url),
    });
  }
  return s;
}

export const staffModule: VafaModule = {
  name: 'staff',
  migrations: STAFF_MIGRATIONS,
  registerRoutes(app, ctx) {
    staffOf(ctx);
    const reports = new StaffReports(
      ctx.db,
      ctx.clock,
      async (clubId) => (await ctx.services.clubs.getSettings(clubId)).calendar,
    );
    registerReportRoutes(app, reports);
    // On the /v1 scope: every /v1 route, registered before or after this module, passes the hooks.
    registerAuditHooks(app, ctx.db, ctx.clock);
    registerAuditRoutes(app, new AuditLog(ctx.db));
  },
  registerPublicRoutes(app, ctx) {
    registerSessionRoutes(app, staffOf(ctx));
    registerDashboard(app);
  },
  jobs(ctx): Job[] {
    return [
      {
        // Expired sessions are already refused; the sweep only keeps the table small.
        id: 'staff-session-sweep',
        everyMs: 3600_000,
        slowMs: 60_000,
        handler: async () => {
          await staffOf(ctx).sweepExpiredSessions();
        },
      },
    ];
  },
};
