import type { Queryable } from '../../src/db/db.js';

/**
 * A digest of every row of one club in every table that has a `club_id` column: any insert, update or
 * delete for that club changes it. Tables are found in the catalogue, so a module's new table is
 * covered without being listed.
 */
export async function fingerprint(db: Queryable, clubId: string): Promise<Record<string, string>> {
  const { rows: tables } = await db.query<{ table_name: string }>(
    `select c.table_name from information_schema.columns c
       join information_schema.tables t using (table_schema, table_name)
      where c.column_name = 'club_id' and c.table_schema = current_schema() and t.table_type = 'BASE TABLE'
      order by c.table_name`,
  );
  const out: Record<string, string> = {};
  for (const { table_name } of tables) {
    const { rows } = await db.query<{ n: number; h: string | null }>(
      `select count(*)::int as n, md5(string_agg(t::text, '|' order by t::text)) as h
         from ${table_name} t where club_id = $1`,
      [clubId],
    );
    out[table_name] = `${rows[0]!.n}:${rows[0]!.h ?? ''}`;
  }
  return out;
}

/** The tables whose digest differs between two fingerprints. */
export function changedTables(a: Record<string, string>, b: Record<string, string>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((t) => a[t] !== b[t]);
}
