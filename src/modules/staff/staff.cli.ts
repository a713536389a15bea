import type { Command } from 'commander';
import { openConfiguredDb } from '../../cli/context.js';
import { AppError } from '../../errors.js';
import { STAFF_ROLES } from './staff.roles.js';
import { StaffService } from './staff.service.js';

/** `vafa admin create|list`: staff accounts of the dashboard. The first owner is made here. */
export function registerAdminCommands(program: Command): void {
  const admin = program.command('admin').description('Manage staff users of the /admin dashboard');
  admin
    .command('create')
    .description('Create a staff user; without --password one is generated and shown once')
    .requiredOption('--email <email>', 'sign-in email')
    .requiredOption('--role <role>', `one of ${STAFF_ROLES.join(', ')}`)
    .requiredOption('--club <clubId>', 'the club (see `vafa club list`)')
    .option('--password <password>', 'at least 10 characters (it stays in your shell history)')
    .option('--json', 'print JSON')
    .action(
      async (opts: { email: string; role: string; club: string; password?: string; json?: boolean }) => {
        const db = await openConfiguredDb();
        try {
          const { rows } = await db.query('select 1 from clubs where club_id = $1', [opts.club]);
          if (rows.length === 0) throw new AppError('not_found', `Club '${opts.club}' was not found.`);
          const { user, password } = await new StaffService(db, () => new Date()).createUser({
            clubId: opts.club,
            email: opts.email,
            role: opts.role,
            ...(opts.password === undefined ? {} : { password: opts.password }),
          });
          const shown = opts.password === undefined ? password : null;
          if (opts.json) {
            process.stdout.write(`${JSON.stringify({ ...user, ...(shown ? { password: shown } : {}) })}\n`);
          } else {
            process.stdout.write(`staff user: ${user.email} (${user.role}) in club ${user.clubId}\n`);
            if (shown) process.stdout.write(`password: ${shown}\n(shown only now; store it)\n`);
          }
        } finally {
          await db.close();
        }
      },
    );
  admin
    .command('list')
    .description("List a club's staff users")
    .requiredOption('--club <clubId>', 'the club')
    .action(async (opts: { club: string }) => {
      const db = await openConfiguredDb();
      try {
        for (const u of await new StaffService(db, () => new Date()).listUsers(opts.club)) {
          process.stdout.write(`${u.id}\t${u.email}\t${u.role}\n`);
        }
      } finally {
        await db.close();
      }
    });
}
