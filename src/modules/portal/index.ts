import type { AppContext } from '../../http/types.js';
import type { Job } from '../../jobs/scheduler.js';
import type { VafaModule } from '../registry.js';
import { PORTAL_MIGRATIONS } from './portal.migrations.js';
import { registerPortalMemberRoutes, registerPortalSessionRoutes } from './portal.routes.js';
import { type PortalOptions, PortalService } from './portal.service.js';
import { registerPortalApp } from './portal.static.js';

export { demoPortalMember, seedDemo } from './portal.demo.js';
export { MEMBER_COOKIE, PORTAL_API } from './portal.routes.js';
export { MEMBER_SESSION_TTL_MS, OTP_LIMITS, type PortalOptions, PortalService } from './portal.service.js';
export { PORTAL_DIST } from './portal.static.js';

/**
 * The member portal at /portal: sign-in by a one-time SMS code, member sessions, and the member-facing
 * API under /portal/api/me that calls the owning modules' services with the session's member
 * (docs/portal.md). It needs no /v1 routes of its own.
 */
export function createPortalModule(opts: Partial<PortalOptions> = {}): VafaModule {
  const options: PortalOptions = { smsLogDir: null, ...opts };
  const services = new WeakMap<AppContext, PortalService>();
  const portalOf = (ctx: AppContext) => {
    let s = services.get(ctx);
    if (!s) {
      s = new PortalService(ctx.db, ctx.clock, options);
      services.set(ctx, s);
    }
    return s;
  };
  return {
    name: 'portal',
    migrations: PORTAL_MIGRATIONS,
    registerRoutes() {},
    registerPublicRoutes(app, ctx) {
      registerPortalSessionRoutes(app, portalOf(ctx));
      registerPortalMemberRoutes(app, ctx, portalOf(ctx));
      registerPortalApp(app);
    },
    jobs(ctx): Job[] {
      return [
        {
          // Expired sessions and codes are already refused; the sweep only keeps the tables small.
          id: 'portal-sweep',
          everyMs: 3600_000,
          slowMs: 60_000,
          handler: async () => {
            await portalOf(ctx).sweep();
          },
        },
      ];
    },
  };
}

/** Development SMS (the `log` provider) prints to stdout, where `npm start` shows the code. */
export const portalModule: VafaModule = createPortalModule();
