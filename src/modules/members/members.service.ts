import type { Db, Queryable } from '../../db/db.js';
import { AppError, notFound } from '../../errors.js';
import { newId } from '../../lib/ids.js';
import { normalizeIranMobile, toLatinDigits } from '../../lib/mobile.js';
import { enqueueEvents } from '../outbox/index.js';
import * as repo from './members.repo.js';
import type { TMember, TUpsertMember } from './members.schema.js';

export class MembersService {
  constructor(private readonly db: Db) {}

  /** Creates the member or updates the given fields; `created` is true for a new member (HTTP 201). */
  async upsertMember(
    clubId: string,
    externalId: string,
    input: TUpsertMember,
  ): Promise<{ member: TMember; created: boolean }> {
    const fields = toFields(input);
    return this.db.transaction(async (tx) => {
      const { row, inserted } = await this.upsertIn(tx, clubId, externalId, fields);
      return { member: toMember(row), created: inserted };
    });
  }

  /** The same upsert inside a caller's transaction (CSV import, demo). */
  async upsertIn(
    tx: Queryable,
    clubId: string,
    externalId: string,
    fields: repo.MemberFields,
  ): Promise<{ row: repo.MemberRow; inserted: boolean; changed: boolean }> {
    let result: { row: repo.MemberRow; inserted: boolean; changed: boolean };
    try {
      result = await repo.upsertMember(tx, clubId, newId('mem'), externalId, fields);
    } catch (err) {
      if (
        (err as { code?: string; constraint?: string }).code === '23505' &&
        String((err as Error).message).includes('mobile')
      ) {
        throw new AppError(
          'duplicate_mobile',
          'mobile: another member of this club already has this mobile number',
          {
            errors: [{ field: 'mobile', in: 'body', message: 'already used by another member of this club' }],
          },
        );
      }
      throw err;
    }
    if (result.changed) {
      await enqueueEvents(tx, clubId, [
        {
          type: result.inserted ? 'member.created' : 'member.updated',
          payload: { memberId: result.row.member_id, externalId },
        },
      ]);
    }
    return result;
  }

  async getMember(clubId: string, externalId: string): Promise<TMember> {
    const row = await repo.findMemberByExternalId(this.db, clubId, externalId);
    if (!row) throw notFound('Member', externalId);
    return toMember(row);
  }

  /** The internal member id, or not_found: used by other modules addressing a member by external id. */
  async getMemberId(clubId: string, externalId: string, db: Queryable = this.db): Promise<string> {
    const row = await repo.findMemberByExternalId(db, clubId, externalId);
    if (!row) throw notFound('Member', externalId);
    return row.member_id;
  }

  /**
   * Creates many new members in one statement (imports of clean data, the demo). Members whose
   * external id or mobile already exists are skipped, not updated; returns how many were created.
   */
  async createMembersBulk(
    tx: Queryable,
    clubId: string,
    rows: Array<Omit<repo.NewMemberRow, 'memberId'>>,
  ): Promise<number> {
    const inserted = await repo.insertMembers(
      tx,
      clubId,
      rows.map((r) => ({ ...r, memberId: newId('mem') })),
    );
    await enqueueEvents(
      tx,
      clubId,
      inserted.map((m) => ({
        type: 'member.created',
        payload: { memberId: m.member_id, externalId: m.external_id },
      })),
    );
    return inserted.length;
  }

  /** Profile facts other modules need in bulk (the earning rules read birth dates). */
  async profiles(
    tx: Queryable,
    clubId: string,
    memberIds: string[],
  ): Promise<Map<string, { birthDate: string | null }>> {
    return repo.findProfiles(tx, clubId, memberIds);
  }

  async resolveMemberIds(tx: Queryable, clubId: string, externalIds: string[]): Promise<Map<string, string>> {
    return repo.findMemberIdsByExternalIds(tx, clubId, externalIds);
  }

  async findMembers(
    clubId: string,
    opts: { q?: string | undefined; cursor?: string | undefined; limit: number },
  ): Promise<{ items: TMember[]; nextCursor: string | null }> {
    const after = opts.cursor ? decodeCursor(opts.cursor) : undefined;
    const q = opts.q ? toLatinDigits(opts.q) : undefined;
    const rows = await repo.searchMembers(this.db, clubId, {
      q,
      mobile: q ? normalizeIranMobile(q) : null,
      afterMemberId: after,
      limit: opts.limit + 1,
    });
    const page = rows.slice(0, opts.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toMember),
      nextCursor: rows.length > opts.limit && last ? Buffer.from(last.member_id).toString('base64url') : null,
    };
  }
}

function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^mem_[0-9a-z]+$/.test(id)) {
    throw new AppError('validation_failed', 'cursor: not a cursor this API returned', {
      errors: [{ field: 'cursor', in: 'query', message: 'not a cursor this API returned' }],
    });
  }
  return id;
}

/** Validates what zod cannot (mobile shape) and maps API names to columns. */
export function toFields(input: TUpsertMember): repo.MemberFields {
  const fields: repo.MemberFields = {};
  if (input.firstName !== undefined) fields.first_name = input.firstName || null;
  if (input.lastName !== undefined) fields.last_name = input.lastName || null;
  if (input.mobile !== undefined) {
    if (input.mobile === null || input.mobile.trim() === '') fields.mobile = null;
    else {
      const mobile = normalizeIranMobile(input.mobile);
      if (!mobile) {
        throw new AppError('validation_failed', `mobile: '${input.mobile}' is not an Iranian mobile number`, {
          errors: [
            {
              field: 'mobile',
              in: 'body',
              message: 'not an Iranian mobile number (expected e.g. 09121234567)',
            },
          ],
        });
      }
      fields.mobile = mobile;
    }
  }
  if (input.email !== undefined) fields.email = input.email ? input.email.toLowerCase() : null;
  if (input.city !== undefined) fields.city = input.city || null;
  if (input.province !== undefined) fields.province = input.province || null;
  if (input.birthDate !== undefined) {
    if (
      input.birthDate &&
      (input.birthDate < '1900-01-01' || input.birthDate > new Date().toISOString().slice(0, 10))
    ) {
      throw new AppError('validation_failed', 'birthDate: must be between 1900-01-01 and today', {
        errors: [{ field: 'birthDate', in: 'body', message: 'must be between 1900-01-01 and today' }],
      });
    }
    fields.birth_date = input.birthDate;
  }
  if (input.gender !== undefined) fields.gender = input.gender;
  if (input.consentSms !== undefined) fields.consent_sms = input.consentSms;
  if (input.consentEmail !== undefined) fields.consent_email = input.consentEmail;
  if (input.attributes !== undefined) fields.attributes = input.attributes;
  return fields;
}

export function toMember(row: repo.MemberRow): TMember {
  return {
    id: row.member_id,
    externalId: row.external_id,
    firstName: row.first_name,
    lastName: row.last_name,
    mobile: row.mobile,
    email: row.email,
    city: row.city,
    province: row.province,
    birthDate: row.birth_date,
    gender: row.gender,
    consentSms: row.consent_sms,
    consentEmail: row.consent_email,
    attributes: row.attributes,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
