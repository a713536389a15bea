import { AppError } from '../../errors.js';
import type { AppContext } from '../../http/types.js';
import { staffOf } from './index.js';

/**
 * The demo club's owner, with a fresh random password: `npm start` prints both once, so a new user can
 * sign in to /admin straight away and no fixed password ever ships in the package.
 */
export async function createDemoStaff(
  ctx: AppContext,
  clubId: string,
): Promise<{ email: string; password: string }> {
  const staff = staffOf(ctx);
  for (let i = 0; i < 20; i++) {
    const email = i === 0 ? 'owner@demo.vafa.ir' : `owner${i + 1}@demo.vafa.ir`;
    try {
      const { password } = await staff.createUser({ clubId, email, role: 'owner' });
      return { email, password };
    } catch (err) {
      // Another demo club on this database already has the address: take the next one.
      if (err instanceof AppError && err.code === 'staff_email_taken') continue;
      throw err;
    }
  }
  throw new AppError(
    'staff_email_taken',
    'Twenty demo owners exist already; create one with `vafa admin create`.',
  );
}

/**
 * Staff data is accounts only, and an account is useless without its password, which only
 * createDemoStaff hands back: nothing more to seed.
 */
export async function seedDemo(_ctx: AppContext, _clubId: string): Promise<void> {}
