import type { Queryable } from '../../db/db.js';

export interface ClubRow {
  club_id: string;
  name: string;
  rials_per_point: number;
  return_window_days: number;
  calendar: 'jalali' | 'gregorian';
  expiry_mode: 'never' | 'months' | 'jalali_year_end';
  expiry_months: number;
  point_value_rials: number;
  redeem_max_share_pct: number;
  redeem_min_points: number;
  reservation_ttl_minutes: number;
  created_at: Date;
}

const CLUB_COLUMNS = `club_id, name, rials_per_point, return_window_days, calendar, expiry_mode, expiry_months,
  point_value_rials, redeem_max_share_pct, redeem_min_points, reservation_ttl_minutes, created_at`;

export interface ApiKeyRow {
  club_id: string;
  key_id: string;
  name: string;
  key_prefix: string;
  created_at: Date;
  revoked_at: Date | null;
}

export async function insertClub(tx: Queryable, clubId: string, name: string): Promise<ClubRow> {
  const { rows } = await tx.query<ClubRow>(
    `insert into clubs (club_id, name) values ($1, $2)
     returning ${CLUB_COLUMNS}`,
    [clubId, name],
  );
  return rows[0]!;
}

export async function findClub(db: Queryable, clubId: string): Promise<ClubRow | null> {
  const { rows } = await db.query<ClubRow>(`select ${CLUB_COLUMNS} from clubs where club_id = $1`, [clubId]);
  return rows[0] ?? null;
}

export async function listClubs(db: Queryable): Promise<ClubRow[]> {
  const { rows } = await db.query<ClubRow>(`select ${CLUB_COLUMNS} from clubs order by created_at`);
  return rows;
}

export interface ClubPatch {
  name?: string | undefined;
  rials_per_point?: number | undefined;
  return_window_days?: number | undefined;
  calendar?: string | undefined;
  expiry_mode?: string | undefined;
  expiry_months?: number | undefined;
  point_value_rials?: number | undefined;
  redeem_max_share_pct?: number | undefined;
  redeem_min_points?: number | undefined;
  reservation_ttl_minutes?: number | undefined;
}

export async function updateClub(db: Queryable, clubId: string, patch: ClubPatch): Promise<ClubRow | null> {
  const given = Object.entries(patch).filter(([, v]) => v !== undefined);
  const sets = given.map(([k], i) => `${k} = $${i + 2}`);
  sets.push('updated_at = now()');
  const { rows } = await db.query<ClubRow>(
    `update clubs set ${sets.join(', ')} where club_id = $1 returning ${CLUB_COLUMNS}`,
    [clubId, ...given.map(([, v]) => v)],
  );
  return rows[0] ?? null;
}

export async function insertApiKey(
  tx: Queryable,
  row: { clubId: string; keyId: string; name: string; hash: string; prefix: string },
): Promise<ApiKeyRow> {
  const { rows } = await tx.query<ApiKeyRow>(
    `insert into api_keys (club_id, key_id, name, key_hash, key_prefix) values ($1, $2, $3, $4, $5)
     returning club_id, key_id, name, key_prefix, created_at, revoked_at`,
    [row.clubId, row.keyId, row.name, row.hash, row.prefix],
  );
  return rows[0]!;
}

export async function findActiveKeyByHash(
  db: Queryable,
  hash: string,
): Promise<{ club_id: string; key_id: string } | null> {
  const { rows } = await db.query<{ club_id: string; key_id: string }>(
    'select club_id, key_id from api_keys where key_hash = $1 and revoked_at is null',
    [hash],
  );
  return rows[0] ?? null;
}

export async function listApiKeys(db: Queryable, clubId: string): Promise<ApiKeyRow[]> {
  const { rows } = await db.query<ApiKeyRow>(
    `select club_id, key_id, name, key_prefix, created_at, revoked_at from api_keys
     where club_id = $1 order by created_at`,
    [clubId],
  );
  return rows;
}

export async function revokeApiKey(db: Queryable, clubId: string, keyId: string): Promise<ApiKeyRow | null> {
  const { rows } = await db.query<ApiKeyRow>(
    `update api_keys set revoked_at = coalesce(revoked_at, now()) where club_id = $1 and key_id = $2
     returning club_id, key_id, name, key_prefix, created_at, revoked_at`,
    [clubId, keyId],
  );
  return rows[0] ?? null;
}
