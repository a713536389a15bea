import { randomBytes } from 'node:crypto';
import type { Db } from '../../db/db.js';
import { AppError, notFound } from '../../errors.js';
import { newId, sha256Hex } from '../../lib/ids.js';
import * as repo from './clubs.repo.js';
import type { TApiKey, TClub, TUpdateClub } from './clubs.schema.js';

export interface ClubSettings {
  clubId: string;
  rialsPerPoint: number;
  returnWindowDays: number;
  calendar: 'jalali' | 'gregorian';
  expiryMode: 'never' | 'months' | 'jalali_year_end';
  expiryMonths: number;
  pointValueRials: number;
  redeemMaxSharePct: number;
  redeemMinPoints: number;
  reservationTtlMinutes: number;
}

// Keys are looked up on every request; a short cache keeps that off the database. Revocation through
// this process clears the cache at once; another process notices within the TTL.
const KEY_CACHE_TTL_MS = 10_000;
const KEY_CACHE_MAX = 10_000;

export class ClubsService {
  private readonly keyCache = new Map<string, { clubId: string; keyId: string; expiresAt: number }>();
  private readonly settingsCache = new Map<string, { settings: ClubSettings; expiresAt: number }>();

  constructor(private readonly db: Db) {}

  async createClub(name: string): Promise<{ club: TClub; apiKey: string }> {
    const trimmed = name.trim();
    if (!trimmed || trimmed.length > 200) {
      throw new AppError('validation_failed', 'name: must be 1 to 200 characters', {
        errors: [{ field: 'name', message: 'must be 1 to 200 characters' }],
      });
    }
    return this.db.transaction(async (tx) => {
      const club = await repo.insertClub(tx, newId('club'), trimmed);
      const { key, hash, prefix } = generateKey();
      await repo.insertApiKey(tx, {
        clubId: club.club_id,
        keyId: newId('key'),
        name: 'default',
        hash,
        prefix,
      });
      return { club: toClub(club), apiKey: key };
    });
  }

  async getClub(clubId: string): Promise<TClub> {
    const row = await repo.findClub(this.db, clubId);
    if (!row) throw notFound('Club', clubId);
    return toClub(row);
  }

  async listClubs(): Promise<TClub[]> {
    return (await repo.listClubs(this.db)).map(toClub);
  }

  async updateClub(clubId: string, patch: TUpdateClub): Promise<TClub> {
    const row = await repo.updateClub(this.db, clubId, {
      name: patch.name,
      rials_per_point: patch.rialsPerPoint,
      return_window_days: patch.returnWindowDays,
      calendar: patch.calendar,
      expiry_mode: patch.expiryMode,
      expiry_months: patch.expiryMonths,
      point_value_rials: patch.pointValueRials,
      redeem_max_share_pct: patch.redeemMaxSharePct,
      redeem_min_points: patch.redeemMinPoints,
      reservation_ttl_minutes: patch.reservationTtlMinutes,
    });
    if (!row) throw notFound('Club', clubId);
    this.settingsCache.delete(clubId);
    return toClub(row);
  }

  /** The club's ledger settings, cached briefly: they are read by every order. */
  async getSettings(clubId: string): Promise<ClubSettings> {
    const hit = this.settingsCache.get(clubId);
    if (hit && hit.expiresAt > Date.now()) return hit.settings;
    const row = await repo.findClub(this.db, clubId);
    if (!row) throw notFound('Club', clubId);
    const settings = toSettings(row);
    this.settingsCache.set(clubId, { settings, expiresAt: Date.now() + 5_000 });
    return settings;
  }

  /** Resolves a bearer key to its club, or throws invalid_api_key. */
  async authenticate(key: string): Promise<{ clubId: string; keyId: string }> {
    const hash = sha256Hex(key);
    const hit = this.keyCache.get(hash);
    if (hit && hit.expiresAt > Date.now()) return hit;
    const row = await repo.findActiveKeyByHash(this.db, hash);
    if (!row) throw new AppError('invalid_api_key', 'The API key is unknown or has been revoked.');
    if (this.keyCache.size >= KEY_CACHE_MAX) this.keyCache.clear();
    const entry = { clubId: row.club_id, keyId: row.key_id, expiresAt: Date.now() + KEY_CACHE_TTL_MS };
    this.keyCache.set(hash, entry);
    return entry;
  }

  async createApiKey(clubId: string, name: string): Promise<TApiKey & { key: string }> {
    const { key, hash, prefix } = generateKey();
    const row = await this.db.transaction((tx) =>
      repo.insertApiKey(tx, { clubId, keyId: newId('key'), name, hash, prefix }),
    );
    return { ...toApiKey(row), key };
  }

  async listApiKeys(clubId: string): Promise<TApiKey[]> {
    return (await repo.listApiKeys(this.db, clubId)).map(toApiKey);
  }

  async revokeApiKey(clubId: string, keyId: string): Promise<TApiKey> {
    const row = await repo.revokeApiKey(this.db, clubId, keyId);
    if (!row) throw notFound('API key', keyId);
    this.keyCache.clear();
    return toApiKey(row);
  }
}

/** `vafa_sk_` + 32 random bytes (base64url): 256 bits, stored only as its sha256. */
function generateKey(): { key: string; hash: string; prefix: string } {
  const key = `vafa_sk_${randomBytes(32).toString('base64url')}`;
  return { key, hash: sha256Hex(key), prefix: key.slice(0, 12) };
}

function toSettings(row: repo.ClubRow): ClubSettings {
  return {
    clubId: row.club_id,
    rialsPerPoint: row.rials_per_point,
    returnWindowDays: row.return_window_days,
    calendar: row.calendar,
    expiryMode: row.expiry_mode,
    expiryMonths: row.expiry_months,
    pointValueRials: row.point_value_rials,
    redeemMaxSharePct: row.redeem_max_share_pct,
    redeemMinPoints: row.redeem_min_points,
    reservationTtlMinutes: row.reservation_ttl_minutes,
  };
}

function toClub(row: repo.ClubRow): TClub {
  const { clubId, ...settings } = toSettings(row);
  return { id: clubId, name: row.name, ...settings, createdAt: row.created_at.toISOString() };
}

function toApiKey(row: repo.ApiKeyRow): TApiKey {
  return {
    id: row.key_id,
    name: row.name,
    prefix: row.key_prefix,
    createdAt: row.created_at.toISOString(),
    revokedAt: row.revoked_at ? row.revoked_at.toISOString() : null,
  };
}
