import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { Db } from '../../db/db.js';
import { AppError, fieldError, notFound } from '../../errors.js';
import { newId, sha256Hex } from '../../lib/ids.js';
import { normalizeIranMobile } from '../../lib/mobile.js';
import { HttpSmsProvider, LogProvider } from '../notifications/index.js';
import * as repo from './portal.repo.js';

/** Every limit of the portal sign-in, in one place (docs/portal.md repeats them). */
export const OTP_LIMITS = Object.freeze({
  /** Digits of a code. */
  digits: 6,
  /** A code works for five minutes. */
  ttlMs: 5 * 60_000,
  /** Wrong tries that burn a code. */
  maxAttempts: 5,
  /** A new code for the same mobile no sooner than this. */
  resendMs: 60_000,
  /** Codes per mobile in the window below. */
  perMobile: 5,
  /** Codes asked from one address in the window below (a shop's office may share one address). */
  perIp: 20,
  windowMs: 3600_000,
});

/** When the SMS gateway fails, the member is asked to try again after this long. */
export const SMS_RETRY_AFTER_SECONDS = 30;

/** A member stays signed in for a week on their phone. */
export const MEMBER_SESSION_TTL_MS = 7 * 86_400_000;

/** Sends one SMS for a club; the default goes through the club's notification SMS provider. */
export type OtpSmsSender = (clubId: string, toE164: string, text: string) => Promise<void>;

export interface PortalOptions {
  /**
   * Where the development (`log`) SMS provider writes messages.jsonl; null prints them on stdout.
   * Only that provider ever sees a code in clear, as the text of the SMS.
   */
  smsLogDir: string | null;
  /** Replaces the provider lookup (tests, or a shop with a dedicated OTP line). */
  sendSms?: OtpSmsSender;
}

export interface TPortalMember {
  clubId: string;
  memberId: string;
  externalId: string;
  firstName: string | null;
  lastName: string | null;
  mobile: string | null;
}

export interface TMemberSession {
  member: TPortalMember;
  expiresAt: Date;
}

/** The CSRF token is derived from the session secret: no storage, and it dies with the session. */
export function memberCsrfTokenOf(sessionToken: string): string {
  return createHash('sha256').update(`vafa-portal-csrf:${sessionToken}`).digest('base64url');
}

export function isMemberCsrfValid(sessionToken: string, given: string | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(memberCsrfTokenOf(sessionToken));
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

function hashCode(salt: string, code: string): string {
  return sha256Hex(`${salt}:${code}`);
}

function toMember(r: repo.PortalMemberRow): TPortalMember {
  return {
    clubId: r.club_id,
    memberId: r.member_id,
    externalId: r.external_id,
    firstName: r.first_name,
    lastName: r.last_name,
    mobile: r.mobile,
  };
}

function parseMobile(input: string): string {
  const mobile = normalizeIranMobile(input);
  if (!mobile) throw fieldError('mobile', 'not an Iranian mobile number (09xxxxxxxxx)');
  return mobile;
}

export class PortalService {
  constructor(
    private readonly db: Db,
    private readonly clock: () => Date,
    private readonly opts: PortalOptions,
  ) {}

  /** The club a portal page is for: the given one, or the only club of this server. */
  async resolveClub(clubId: string | undefined): Promise<{ id: string; name: string }> {
    if (clubId) {
      const c = await repo.findClub(this.db, clubId);
      if (!c) throw notFound('Club', clubId);
      return { id: c.club_id, name: c.name };
    }
    const clubs = await repo.firstClubs(this.db);
    if (clubs.length !== 1)
      throw new AppError(
        'not_found',
        'This server has several clubs: open the portal link your shop gave you.',
      );
    return { id: clubs[0]!.club_id, name: clubs[0]!.name };
  }

  /**
   * Sends a sign-in code when a member of the club has this mobile. The answer is the same either
   * way (and the limits apply the same), so the form cannot be used to find out who is a member.
   */
  async requestCode(
    clubId: string,
    mobileInput: string,
    ip: string,
    lang: 'fa' | 'en',
  ): Promise<{ expiresAt: Date; resendAfterSeconds: number }> {
    const mobile = parseMobile(mobileInput);
    const club = await this.resolveClub(clubId);
    const now = this.clock();
    const recent = await repo.countRecentOtps(
      this.db,
      club.id,
      mobile,
      ip,
      new Date(now.getTime() - OTP_LIMITS.windowMs),
    );
    if (recent.lastAt && now.getTime() - recent.lastAt.getTime() < OTP_LIMITS.resendMs) {
      throw rateLimited(OTP_LIMITS.resendMs - (now.getTime() - recent.lastAt.getTime()), 'mobile');
    }
    if (recent.byMobile >= OTP_LIMITS.perMobile) throw rateLimited(OTP_LIMITS.windowMs, 'mobile');
    if (recent.byIp >= OTP_LIMITS.perIp) throw rateLimited(OTP_LIMITS.windowMs, 'address');

    const member = await repo.findMemberByMobile(this.db, club.id, mobile);
    const code = String(randomInt(0, 10 ** OTP_LIMITS.digits)).padStart(OTP_LIMITS.digits, '0');
    const salt = randomBytes(16).toString('base64url');
    const expiresAt = new Date(now.getTime() + OTP_LIMITS.ttlMs);
    const otpId = newId('otp');
    await repo.insertOtp(this.db, {
      club_id: club.id,
      otp_id: otpId,
      mobile,
      member_id: member?.member_id ?? null,
      // Without a member no code can match: the hash is of a random value nobody was sent.
      code_hash: member ? hashCode(salt, code) : hashCode(salt, randomBytes(16).toString('hex')),
      salt,
      ip,
      created_at: now,
      expires_at: expiresAt,
    });
    if (member) {
      const text =
        lang === 'en'
          ? `${club.name}: your sign-in code is ${code}. It works for 5 minutes. Do not share it.`
          : `کد ورود شما به باشگاه ${club.name}: ${code}\nاین کد ۵ دقیقه اعتبار دارد؛ آن را به کسی ندهید.`;
      try {
        await this.sendSms(club.id, mobile, text);
      } catch (err) {
        // The code never left: it must not count against the member's limits or wait out the resend
        // minute, so the row goes, and the member is told to try again shortly (not a 500).
        await repo.deleteOtp(this.db, club.id, otpId);
        const unavailable = new AppError(
          'sms_unavailable',
          `The SMS could not be sent right now; try again in ${SMS_RETRY_AFTER_SECONDS} seconds.`,
          { retryAfterSeconds: SMS_RETRY_AFTER_SECONDS },
        );
        // For the server log only: a gateway's answer is no business of the visitor's.
        unavailable.cause = err;
        throw unavailable;
      }
    }
    return { expiresAt, resendAfterSeconds: OTP_LIMITS.resendMs / 1000 };
  }

  /** Checks the code and opens a session; the returned token goes into the cookie only. */
  async verifyCode(
    clubId: string,
    mobileInput: string,
    code: string,
  ): Promise<{ token: string; session: TMemberSession }> {
    const mobile = parseMobile(mobileInput);
    const club = await this.resolveClub(clubId);
    const now = this.clock();
    const outcome = await this.db.transaction(async (tx) => {
      const otp = await repo.lockLatestOtp(tx, club.id, mobile);
      if (!otp || otp.used_at || otp.expires_at <= now) return { kind: 'invalid' as const, left: null };
      if (otp.attempts >= OTP_LIMITS.maxAttempts) return { kind: 'burned' as const };
      const given = Buffer.from(hashCode(otp.salt, code));
      const expected = Buffer.from(otp.code_hash);
      if (!otp.member_id || given.length !== expected.length || !timingSafeEqual(given, expected)) {
        const attempts = await repo.recordWrongTry(tx, club.id, otp.otp_id);
        return attempts >= OTP_LIMITS.maxAttempts
          ? { kind: 'burned' as const }
          : { kind: 'invalid' as const, left: OTP_LIMITS.maxAttempts - attempts };
      }
      await repo.markOtpUsed(tx, club.id, otp.otp_id, now);
      const token = randomBytes(32).toString('base64url');
      const expiresAt = new Date(now.getTime() + MEMBER_SESSION_TTL_MS);
      await repo.insertSession(tx, {
        clubId: club.id,
        hash: sha256Hex(token),
        memberId: otp.member_id,
        at: now,
        expiresAt,
      });
      return { kind: 'ok' as const, token, expiresAt };
    });
    if (outcome.kind === 'burned') {
      throw new AppError('otp_attempts_exceeded', 'Too many wrong codes: ask for a new code.', {
        retryAfterSeconds: 0,
      });
    }
    if (outcome.kind === 'invalid') {
      throw new AppError(
        'otp_invalid',
        'The code is wrong or has expired.',
        outcome.left === null ? {} : { attemptsLeft: outcome.left },
      );
    }
    const session = await this.authenticate(outcome.token);
    if (!session) throw new AppError('otp_invalid', 'The code is wrong or has expired.');
    return { token: outcome.token, session };
  }

  /** The session behind a cookie value, or null when unknown or expired. */
  async authenticate(token: string): Promise<TMemberSession | null> {
    if (token.length < 20 || token.length > 100) return null;
    const row = await repo.findSession(this.db, sha256Hex(token));
    if (!row || row.expires_at <= this.clock()) return null;
    return { member: toMember(row), expiresAt: row.expires_at };
  }

  /** The member's 20 latest orders, for the complaint form's order picker. */
  async recentOrders(m: TPortalMember) {
    const rows = await repo.recentOrders(this.db, m.clubId, m.memberId, 20);
    return rows.map((r) => ({
      externalId: r.external_id,
      placedAt: r.placed_at.toISOString(),
      totalRials: Number(r.total_rials),
      status: r.status,
    }));
  }

  async signOut(token: string): Promise<void> {
    await repo.deleteSession(this.db, sha256Hex(token));
  }

  async sweep(): Promise<number> {
    return repo.sweep(this.db, this.clock(), 10_000);
  }

  private async sendSms(clubId: string, to: string, text: string): Promise<void> {
    if (this.opts.sendSms) return this.opts.sendSms(clubId, to, text);
    const s = await repo.findSmsSettings(this.db, clubId);
    if (s?.sms_provider === 'http' && s.sms_base_url && s.sms_api_key && s.sms_sender) {
      await new HttpSmsProvider({
        baseUrl: s.sms_base_url,
        apiKey: s.sms_api_key,
        sender: s.sms_sender,
        timeoutMs: 15_000,
      }).sendSms({ to, text });
      return;
    }
    await new LogProvider(this.opts.smsLogDir).sendSms({ to, text });
  }
}

function rateLimited(waitMs: number, by: 'mobile' | 'address'): AppError {
  const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
  return new AppError(
    'rate_limited',
    by === 'mobile'
      ? `Too many codes for this mobile; try again in ${retryAfterSeconds} seconds.`
      : `Too many codes from this address; try again in ${Math.ceil(retryAfterSeconds / 60)} minutes.`,
    { retryAfterSeconds },
  );
}
