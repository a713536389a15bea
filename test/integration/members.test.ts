import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, setupEnv, type TestClub, type TestEnv } from '../helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const toPersian = (s: string) => s.replace(/\d/g, (d) => '۰۱۲۳۴۵۶۷۸۹'[Number(d)]!);
const toArabicIndic = (s: string) => s.replace(/\d/g, (d) => '٠١٢٣٤٥٦٧٨٩'[Number(d)]!);

describe.each(BACKENDS)('members on $name', ({ url }) => {
  let env: TestEnv;
  let club: TestClub;
  let n = 0;
  const uid = (p: string) => `${p}-${Date.now().toString(36)}-${++n}`;
  // Each test takes its own block of mobile numbers, so uniqueness never couples two tests.
  let mobileSeq = Math.floor(Math.random() * 9_000_000);
  const nextMobile = () => `0912${String(++mobileSeq).padStart(7, '0')}`;

  beforeAll(async () => {
    env = await setupEnv(url);
    club = await env.newClub();
  });
  afterAll(async () => env?.close());

  describe('PUT /v1/members/{externalId}', () => {
    it('creates with 201, then updates with 200 keeping the id and createdAt', async () => {
      const id = uid('C');
      const created = await club.call('PUT', `/v1/members/${id}`, {
        firstName: ' زهرا ',
        lastName: 'محمدی',
        city: 'تهران',
        gender: 'female',
        consentSms: true,
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        externalId: id,
        firstName: 'زهرا',
        lastName: 'محمدی',
        city: 'تهران',
        gender: 'female',
        consentSms: true,
        consentEmail: false,
        mobile: null,
        email: null,
        attributes: {},
      });
      expect(created.body.id).toMatch(/^mem_[0-9a-z]+$/);
      expect(created.body.createdAt).toBe(created.body.updatedAt);

      await sleep(15);
      const updated = await club.call('PUT', `/v1/members/${id}`, { city: 'شیراز', consentSms: false });
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({ id: created.body.id, createdAt: created.body.createdAt });
      expect(updated.body.updatedAt > created.body.updatedAt).toBe(true);
      expect((await club.call('GET', `/v1/members/${id}`)).body).toEqual(updated.body);
    });

    it('keeps omitted fields, clears fields sent as null or empty', async () => {
      const id = uid('C');
      const mobile = nextMobile();
      await club.call('PUT', `/v1/members/${id}`, {
        firstName: 'Ali',
        lastName: 'Rezaei',
        mobile,
        email: 'ali@example.com',
        city: 'Tabriz',
        province: 'East Azerbaijan',
        birthDate: '1985-03-21',
        gender: 'male',
        consentEmail: true,
        attributes: { vip: true },
      });
      const partial = await club.call('PUT', `/v1/members/${id}`, { lastName: 'Rezaee' });
      expect(partial.body).toMatchObject({
        firstName: 'Ali',
        lastName: 'Rezaee',
        email: 'ali@example.com',
        city: 'Tabriz',
        birthDate: '1985-03-21',
        gender: 'male',
        consentEmail: true,
        attributes: { vip: true },
      });
      expect(partial.body.mobile).toMatch(/^\+989\d{9}$/);

      const cleared = await club.call('PUT', `/v1/members/${id}`, {
        email: null,
        birthDate: null,
        gender: null,
        mobile: null,
        city: '',
      });
      expect(cleared.status).toBe(200);
      expect(cleared.body).toMatchObject({
        firstName: 'Ali',
        email: null,
        birthDate: null,
        gender: null,
        mobile: null,
        city: null,
        province: 'East Azerbaijan',
      });
      expect((await club.call('GET', `/v1/members/${id}`)).body).toEqual(cleared.body);
    });

    it('replaces the attribute set when attributes are sent, keeping value types', async () => {
      const id = uid('C');
      const first = await club.call('PUT', `/v1/members/${id}`, {
        attributes: { tier: 'gold', visits: 12, vip: true, note: null },
      });
      expect(first.body.attributes).toEqual({ tier: 'gold', visits: 12, vip: true, note: null });
      const second = await club.call('PUT', `/v1/members/${id}`, { attributes: { visits: 13 } });
      expect(second.body.attributes).toEqual({ visits: 13 });
      const kept = await club.call('PUT', `/v1/members/${id}`, { firstName: 'Sara' });
      expect(kept.body.attributes).toEqual({ visits: 13 });
    });

    it('leaves updatedAt alone when the same PUT is sent again (no-op upsert)', async () => {
      const id = uid('C');
      const mobile = nextMobile();
      const body = {
        firstName: 'Neda',
        mobile,
        email: 'Neda@Example.com',
        birthDate: '1992-07-01',
        attributes: { a: 1, b: 'x' },
        consentSms: true,
      };
      const first = await club.call('PUT', `/v1/members/${id}`, body);
      await sleep(20);
      const again = await club.call('PUT', `/v1/members/${id}`, body);
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
      // The same values in other spellings are the same member too.
      await sleep(20);
      const respelled = await club.call('PUT', `/v1/members/${id}`, {
        mobile: toPersian(`+98${mobile.slice(1)}`),
        email: 'neda@example.com',
        attributes: { b: 'x', a: 1 },
        firstName: ' Neda ',
      });
      expect(respelled.status).toBe(200);
      expect(respelled.body.updatedAt).toBe(first.body.updatedAt);
      const empty = await club.call('PUT', `/v1/members/${id}`, {});
      expect(empty.status).toBe(200);
      expect(empty.body.updatedAt).toBe(first.body.updatedAt);
    });

    it.each([
      ['0912…', (n: string) => `0${n}`],
      ['+98912…', (n: string) => `+98${n}`],
      ['98912…', (n: string) => `98${n}`],
      ['0098912…', (n: string) => `0098${n}`],
      ['912…', (n: string) => n],
      ['spaced and dashed', (n: string) => `0${n.slice(0, 3)} ${n.slice(3, 6)}-${n.slice(6)}`],
      ['Persian digits', (n: string) => toPersian(`0${n}`)],
      ['Arabic-Indic digits', (n: string) => toArabicIndic(`0${n}`)],
      ['Persian digits with +98', (n: string) => `+${toPersian(`98${n}`)}`],
      ['with direction marks', (n: string) => `\u200e0${n}\u200f`],
    ])('stores a mobile given as %s in E.164', async (_label, form) => {
      const national = `9${nextMobile().slice(2)}`;
      const id = uid('C');
      const res = await club.call('PUT', `/v1/members/${id}`, { mobile: form(national) });
      expect(res.status).toBe(201);
      expect(res.body.mobile).toBe(`+98${national}`);
    });

    it.each([
      '02112345678',
      '0912123456',
      '091212345678',
      '+14155550101',
      '0981234567',
      'not a number',
      '۰۲۱۱۲۳۴۵۶۷۸',
    ])('refuses the mobile %s, naming the field, and writes nothing', async (mobile) => {
      const id = uid('C');
      const res = await club.call('PUT', `/v1/members/${id}`, { firstName: 'X', mobile });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'mobile' })]);
      expect((await club.call('GET', `/v1/members/${id}`)).status).toBe(404);
    });

    it('refuses a mobile another member has, in any spelling, with 409 duplicate_mobile', async () => {
      const mobile = nextMobile();
      const owner = uid('C');
      expect((await club.call('PUT', `/v1/members/${owner}`, { mobile })).status).toBe(201);
      const newcomer = uid('C');
      const dup = await club.call('PUT', `/v1/members/${newcomer}`, {
        firstName: 'Copy',
        mobile: toPersian(`+98${mobile.slice(1)}`),
      });
      expect(dup.status).toBe(409);
      expect(dup.body.code).toBe('duplicate_mobile');
      expect(dup.body.errors).toEqual([expect.objectContaining({ field: 'mobile' })]);
      expect((await club.call('GET', `/v1/members/${newcomer}`)).status).toBe(404);

      // An existing member moving to the taken number keeps its own.
      const other = uid('C');
      const otherMobile = nextMobile();
      await club.call('PUT', `/v1/members/${other}`, { mobile: otherMobile });
      const move = await club.call('PUT', `/v1/members/${other}`, { mobile, firstName: 'Moved' });
      expect(move.status).toBe(409);
      expect((await club.call('GET', `/v1/members/${other}`)).body).toMatchObject({
        mobile: `+98${otherMobile.slice(1)}`,
        firstName: null,
      });

      // The owner re-sending its own number is fine; once it lets go, the number is free.
      expect((await club.call('PUT', `/v1/members/${owner}`, { mobile })).status).toBe(200);
      await club.call('PUT', `/v1/members/${owner}`, { mobile: null });
      expect((await club.call('PUT', `/v1/members/${newcomer}`, { mobile })).status).toBe(201);
    });

    it('lets another club use the same mobile', async () => {
      const mobile = nextMobile();
      await club.call('PUT', `/v1/members/${uid('C')}`, { mobile });
      const other = await env.newClub('Other shop');
      const res = await other.call('PUT', `/v1/members/${uid('C')}`, { mobile });
      expect(res.status).toBe(201);
    });

    it('lowercases the email and refuses an invalid one', async () => {
      const id = uid('C');
      const res = await club.call('PUT', `/v1/members/${id}`, { email: 'Zahra.Mohammadi@Example.IR' });
      expect(res.body.email).toBe('zahra.mohammadi@example.ir');
      for (const email of [
        'not-an-email',
        'a@b',
        '@example.com',
        'a b@example.com',
        `${'a'.repeat(250)}@x.ir`,
      ]) {
        const bad = await club.call('PUT', `/v1/members/${id}`, { email });
        expect(bad.status, email).toBe(400);
        expect(bad.body.errors[0].field).toBe('email');
      }
      expect((await club.call('GET', `/v1/members/${id}`)).body.email).toBe('zahra.mohammadi@example.ir');
    });

    it('keeps a birth date as the same calendar day and refuses impossible ones', async () => {
      const id = uid('C');
      expect((await club.call('PUT', `/v1/members/${id}`, { birthDate: '2000-02-29' })).body.birthDate).toBe(
        '2000-02-29',
      );
      expect((await club.call('PUT', `/v1/members/${id}`, { birthDate: '1900-01-01' })).body.birthDate).toBe(
        '1900-01-01',
      );
      const tomorrow = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
      for (const birthDate of [
        '1899-12-31',
        tomorrow,
        '2001-02-29',
        '1990-13-01',
        '1990/01/01',
        '1990-01-01T00:00:00Z',
        '01-01-1990',
      ]) {
        const res = await club.call('PUT', `/v1/members/${id}`, { birthDate });
        expect(res.status, birthDate).toBe(400);
        expect(res.body.errors[0].field).toBe('birthDate');
      }
      expect((await club.call('GET', `/v1/members/${id}`)).body.birthDate).toBe('1900-01-01');
    });

    it('takes at most 50 attributes of plain values', async () => {
      const id = uid('C');
      const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i]));
      const ok = await club.call('PUT', `/v1/members/${id}`, { attributes: fifty });
      expect(ok.status).toBe(201);
      expect(Object.keys(ok.body.attributes)).toHaveLength(50);
      const tooMany = await club.call('PUT', `/v1/members/${id}`, { attributes: { ...fifty, k50: 50 } });
      expect(tooMany.status).toBe(400);
      expect(tooMany.body.errors[0].field).toBe('attributes');
      const nested = await club.call('PUT', `/v1/members/${id}`, { attributes: { address: { city: 'x' } } });
      expect(nested.status).toBe(400);
      expect(nested.body.errors[0].field).toBe('attributes.address');
      const long = await club.call('PUT', `/v1/members/${id}`, { attributes: { bio: 'x'.repeat(1001) } });
      expect(long.status).toBe(400);
      expect((await club.call('GET', `/v1/members/${id}`)).body.attributes).toEqual(fifty);
    });

    it('refuses over-long names and an unknown gender', async () => {
      const id = uid('C');
      for (const body of [{ firstName: 'x'.repeat(101) }, { city: 'x'.repeat(101) }, { gender: 'f' }]) {
        const res = await club.call('PUT', `/v1/members/${id}`, body);
        expect(res.status).toBe(400);
        expect(res.body.errors[0].field).toBe(Object.keys(body)[0]);
      }
      expect((await club.call('GET', `/v1/members/${id}`)).status).toBe(404);
    });

    it.each([
      ['a slash', 'a%2Fb'],
      ['a space', 'a%20b'],
      ['a question mark', 'a%3Fb'],
      ['a hash', 'a%23b'],
    ])('refuses an externalId with %s', async (_label, encoded) => {
      const res = await club.call('PUT', `/v1/members/${encoded}`, { firstName: 'X' });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'externalId', in: 'path' })]);
    });

    it('takes a Persian externalId and finds it again', async () => {
      const id = `مشتری-${uid('x')}`;
      const created = await club.call('PUT', `/v1/members/${encodeURIComponent(id)}`, { firstName: 'رضا' });
      expect(created.status).toBe(201);
      expect(created.body.externalId).toBe(id);
      expect((await club.call('GET', `/v1/members/${encodeURIComponent(id)}`)).body.id).toBe(created.body.id);
    });
  });

  describe('GET /v1/members/{externalId}', () => {
    it('answers 404 not_found for an unknown member', async () => {
      const res = await club.call('GET', '/v1/members/no-such-member');
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('not_found');
    });
  });

  describe('GET /v1/members?q=', () => {
    let shop: TestClub;
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      shop = await env.newClub('Search shop');
      const people = {
        zahra: { firstName: 'زهرا', lastName: 'محمدی', mobile: '09121234567', email: 'zahra@example.com' },
        ali: { firstName: 'علی', lastName: 'رضایی', mobile: '09357654321', email: 'ali.rezaei@example.com' },
        maryam: { firstName: 'مریم', lastName: 'محمدزاده', mobile: '09901112233', email: null },
        under: { firstName: 'under_score', lastName: '100%', mobile: null, email: null },
      };
      for (const [key, body] of Object.entries(people)) {
        const res = await shop.call('PUT', `/v1/members/SRCH-${key.toUpperCase()}-${n++}`, body);
        expect(res.status).toBe(201);
        ids[key] = res.body.externalId;
      }
    });

    const search = async (q: string) => {
      const res = await shop.call('GET', `/v1/members?q=${encodeURIComponent(q)}`);
      expect(res.status).toBe(200);
      return (res.body.items as Array<{ externalId: string }>).map((m) => m.externalId).sort();
    };

    it('finds by external id, exactly or in part', async () => {
      expect(await search(ids.ali!)).toEqual([ids.ali]);
      expect(await search('SRCH-MARYAM')).toEqual([ids.maryam]);
      expect(await search('srch-zahra')).toEqual([ids.zahra]);
    });

    it.each([
      ['0912…', '09121234567'],
      ['+98 with spaces', '+98 912 123 4567'],
      ['98912…', '989121234567'],
      ['912…', '9121234567'],
      ['Persian digits', '۰۹۱۲۱۲۳۴۵۶۷'],
      ['Arabic-Indic digits', '٠٩١٢١٢٣٤٥٦٧'],
    ])('finds by the whole mobile written as %s', async (_label, q) => {
      expect(await search(q)).toEqual([ids.zahra]);
    });

    it('finds by partial mobile digits, Latin or Persian', async () => {
      expect(await search('7654321')).toEqual([ids.ali]);
      expect(await search('۴۵۶۷')).toEqual([ids.zahra]);
      expect(await search('0990')).toEqual([ids.maryam]);
    });

    it('finds by email, in any case', async () => {
      expect(await search('ALI.Rezaei@example.com')).toEqual([ids.ali]);
    });

    it('finds by a Persian name substring or the full name', async () => {
      expect(await search('محمد')).toEqual([ids.maryam, ids.zahra].sort());
      expect(await search('زهرا محمدی')).toEqual([ids.zahra]);
      expect(await search('رضا')).toEqual([ids.ali]);
    });

    it('treats % and _ literally and finds nothing for an unknown term', async () => {
      expect(await search('%')).toEqual([ids.under]);
      expect(await search('_')).toEqual([ids.under]);
      expect(await search('nobody-like-this')).toEqual([]);
    });

    it('never finds another club’s members', async () => {
      const res = await club.call('GET', `/v1/members?q=${encodeURIComponent(ids.zahra!)}`);
      expect(res.body.items).toEqual([]);
      expect((await club.call('GET', '/v1/members?q=09121234567')).body.items).toEqual([]);
    });
  });

  describe('paging', () => {
    let shop: TestClub;
    const all: string[] = [];

    beforeAll(async () => {
      shop = await env.newClub('Paging shop');
      for (let i = 0; i < 23; i++) {
        const id = `P-${String(i).padStart(2, '0')}`;
        expect(
          (await shop.call('PUT', `/v1/members/${id}`, { firstName: i % 2 ? 'odd' : 'even' })).status,
        ).toBe(201);
        all.push(id);
      }
    });

    async function walk(query: string, limit: number): Promise<{ ids: string[]; pages: number[] }> {
      const ids: string[] = [];
      const pages: number[] = [];
      let cursor: string | null = null;
      for (let guard = 0; guard < 50; guard++) {
        const res: { status: number; body: any } = await shop.call(
          'GET',
          `/v1/members?limit=${limit}${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        expect(res.status).toBe(200);
        pages.push(res.body.items.length);
        ids.push(...res.body.items.map((m: { externalId: string }) => m.externalId));
        cursor = res.body.nextCursor;
        if (!cursor) return { ids, pages };
      }
      throw new Error('paging did not end');
    }

    it('covers every member exactly once with limit and nextCursor', async () => {
      const { ids, pages } = await walk('', 5);
      expect(pages).toEqual([5, 5, 5, 5, 3]);
      expect(ids).toHaveLength(23);
      expect([...ids].sort()).toEqual([...all].sort());
    });

    it('ends with a null cursor when the last page is exactly full', async () => {
      const { ids, pages } = await walk('&q=odd', 11);
      expect(pages).toEqual([11]);
      expect(ids).toHaveLength(11);
    });

    it('pages through a search', async () => {
      const { ids, pages } = await walk('&q=even', 4);
      expect(pages).toEqual([4, 4, 4]);
      expect(new Set(ids).size).toBe(12);
    });

    it('defaults to 20 a page', async () => {
      const res = await shop.call('GET', '/v1/members');
      expect(res.body.items).toHaveLength(20);
      expect(res.body.nextCursor).toEqual(expect.any(String));
    });

    it('refuses a cursor it did not hand out, and bad limits', async () => {
      for (const cursor of ['zzz', Buffer.from("mem_x' or 1=1").toString('base64url'), 'x'.repeat(201)]) {
        const res = await shop.call('GET', `/v1/members?cursor=${encodeURIComponent(cursor)}`);
        expect(res.status, cursor).toBe(400);
        expect(res.body.errors[0]).toMatchObject({ field: 'cursor', in: 'query' });
      }
      for (const limit of ['0', '101', 'abc', '2.5']) {
        const res = await shop.call('GET', `/v1/members?limit=${limit}`);
        expect(res.status, limit).toBe(400);
        expect(res.body.errors[0]).toMatchObject({ field: 'limit', in: 'query' });
      }
    });
  });
});
