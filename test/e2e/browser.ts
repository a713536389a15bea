import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium (installed by .ci/run); VAFA_CHROMIUM points elsewhere. */
export const CHROMIUM = process.env.VAFA_CHROMIUM ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

/**
 * Launches headless Chromium with the flags this sandbox needs: without the background-networking ones
 * Chromium keeps dialling Google and is refused. Playwright gives each launch a fresh temporary
 * --user-data-dir of its own and removes it after.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
  });
}
