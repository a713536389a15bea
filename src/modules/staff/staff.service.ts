import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../../db/db.js';
import { AppError, fieldError } from '../../errors.js';
import { newId, sha256Hex } from '../../lib/ids.js';
import { generatePassword, hashPassword, verifyPassword } from './staff.password.js';
import * as repo from './staff.repo.js';
import { STAFF_ROLES, type TStaffRole } from './staff.roles.js';

/** A session lasts a working day; staff sign in again the next morning. */
export const SESSION_TTL_MS = 12 * 3600_000;
/** Failed sign-ins in a row that lock the account… */
export const LOCKOUT_ATTEMPTS = 5;
/** …for this long. */
export const LOCKOUT_MS = 15 * 60_000;
export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 200;

export interface TStaffUser {
  id: string;
  clubId: string;
  email: string;
  role: TStaffRole;
}

export interface TStaffSession {
  user: TStaffUser;
  expiresAt: Date;
}

/** The CSRF token is derived from the session secret, so it needs no storage and dies with the session. */
export function csrfTokenOf(sessionToken: string): string {
  return createHash('sha256').update(`vafa-csrf:${sessionToken}`).digest('base64url');
}

export function isCsrfValid(sessionToken: string, given: string | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(csrfTokenOf(sessionToken));
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

function toUser(r: { club_id: string; user_id: string; email: string; role: TStaffRole }): TStaffUser {
  return { id: r.user_id, clubId: r.club_id, email: r.email, role: r.role };
}

// Verified against when the email is unknown, so an unknown address costs the same time as a wrong
// password and timing does not reveal who has an account.
let dummyHash: Promise<string> | null = null;

export class StaffService {
  constructor(
    private readonly db: Db,
    private readonly clock: () => Date,
  ) {}

  async createUser(input: {
    clubId: string;
    email: string;
    role: string;
    password?: string;
  }): Promise<{ user: TStaffUser; password: string }> {
    const email = normaliseEmail(input.email);
    if (!/^[^\s@]{1,64}@[^\s@]{1,189}\.[^\s@]{1,63}$/.test(email))
      throw fieldError('email', 'not an email address');
    if (!(STAFF_ROLES as ReadonlyArray<string>).includes(input.role)) {
      throw fieldError('role', `must be one of ${STAFF_ROLES.join(', ')}`);
    }
    const password = input.password ?? generatePassword();
    if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
      throw fieldError('password', `must be ${PASSWORD_MIN_LENGTH}-${PASSWORD_MAX_LENGTH} characters`);
    }
    const passwordHash = await hashPassword(password);
    const row = await repo.insertUser(this.db, {
      clubId: input.clubId,
      userId: newId('stf'),
      email,
      passwordHash,
      role: input.role as TStaffRole,
      at: this.clock(),
    });
    if (!row) throw new AppError('staff_email_taken', `A staff user with email ${email} already exists.`);
    return { user: toUser(row), password };
  }

  async listUsers(clubId: string): Promise<TStaffUser[]> {
    return (await repo.listUsers(this.db, clubId)).map(toUser);
  }

  /** Checks the password and opens a session; the returned token goes into the cookie only. */
  async signIn(emailInput: string, password: string): Promise<{ token: string; session: TStaffSession }> {
    const now = this.clock();
    const user = await repo.findUserByEmail(this.db, normaliseEmail(emailInput));
    if (!user || user.disabled_at) {
      dummyHash ??= hashPassword('not a password of anyone');
      await verifyPassword(password, await dummyHash);
      throw new AppError('invalid_credentials', 'The email or password is wrong.');
    }
    if (user.locked_until && user.locked_until > now) throw this.locked(user.locked_until, now);
    if (!(await verifyPassword(password, user.password_hash))) {
      const after = await repo.recordFailure(
        this.db,
        user.club_id,
        user.user_id,
        LOCKOUT_ATTEMPTS,
        new Date(now.getTime() + LOCKOUT_MS),
        now,
      );
      if (after.locked_until && after.locked_until > now) throw this.locked(after.locked_until, now);
      throw new AppError('invalid_credentials', 'The email or password is wrong.');
    }
    await repo.recordSuccess(this.db, user.club_id, user.user_id, now);
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
    await repo.insertSession(this.db, {
      clubId: user.club_id,
      hash: sha256Hex(token),
      userId: user.user_id,
      at: now,
      expiresAt,
    });
    return { token, session: { user: toUser(user), expiresAt } };
  }

  /** The session behind a cookie value, or null when unknown, expired or its user is disabled. */
  async authenticate(token: string): Promise<TStaffSession | null> {
    if (token.length < 20 || token.length > 100) return null;
    const row = await repo.findSession(this.db, sha256Hex(token));
    if (!row || row.expires_at <= this.clock()) return null;
    return { user: toUser(row), expiresAt: row.expires_at };
  }

  async signOut(token: string): Promise<void> {
    await repo.deleteSession(this.db, sha256Hex(token));
  }

  async sweepExpiredSessions(): Promise<number> {
    return repo.deleteExpiredSessions(this.db, this.clock(), 10_000);
  }

  private locked(until: Date, now: Date): AppError {
    const retryAfterSeconds = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
    return new AppError(
      'account_locked',
      `Too many failed sign-ins; try again in ${Math.ceil(retryAfterSeconds / 60)} minutes.`,
      { retryAfterSeconds },
    );
  }
}
