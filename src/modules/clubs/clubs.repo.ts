import type { Queryable } from '../../db/db.js';

export interface ClubRow {
  club_id: string;
  name: string;
  rials_per_point: number;
  return_window_days: number;
  created_at: Date;
}

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
     returning club_id, name, rials_per_point, return_window_days, created_at`,
    [clubId, name],
  );
  return rows[0]!;
}

export async function findClub(db: Queryable, clubId: string): Promise<ClubRow | null> {
  const { rows } = await db.query<ClubRow>(
    'select club_id, name, rials_per_point, return_window_days, created_at from clubs where club_id = $1',
    [clubId],
  );
  return rows[0] ?? null;
}

export async function listClubs(db: Queryable): Promise<ClubRow[]> {
  const { rows } = await db.query<ClubRow>(
    'select club_id, name, rials_per_point, return_window_days, created_at from clubs order by created_at',
  );
  return rows;
}

export async function updateClub(
  db: Queryable,
  clubId: string,
  patch: {
    name?: string | undefined;
    rialsPerPoint?: number | undefined;
    returnWindowDays?: number | undefined;
  },
): Promise<ClubRow | null> {
  const { rows } = await db.query<ClubRow>(
    `update clubs set
       name = coalesce($2, name),
       rials_per_point = coalesce($3, rials_per_point),
       return_window_days = coalesce($4, return_window_days),
       updated_at = now()
     where club_id = $1
     returning club_id, name, rials_per_point, return_window_days, created_at`,
    [clubId, patch.name ?? null, patch.rialsPerPoint ?? null, patch.returnWindowDays ?? null],
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
