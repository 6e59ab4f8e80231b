import type { Locator, Page } from 'playwright-core';

/**
 * The live view and call UI as the tests and the RTC benchmark drive it, in one place so a
 * renamed button is fixed once. Selectors follow apps/web/src/rtc/.
 */

/** localStorage key that makes the web app use TURN relay only (apps/web/src/rtc/rtc-config.ts). */
export const RELAY_KEY = 'invigil.rtc.relay';

/** The proctor's live view dialog. */
export function liveDialog(proctor: Page): Locator {
  return proctor.getByRole('dialog', { name: /^(Live view of|Call with) / });
}

/** The student's webcam and screen as the proctor's dialog shows them. */
export function liveVideos(proctor: Page): { webcam: Locator; screen: Locator } {
  const dialog = liveDialog(proctor);
  return {
    webcam: dialog.getByTestId('rtc-webcam'),
    screen: dialog.getByTestId('rtc-screen'),
  };
}

/** Open the live view from the session page; resolves with the dialog's webcam video. */
export async function openLiveView(proctor: Page): Promise<Locator> {
  await proctor.getByRole('button', { name: /^Live view of / }).click();
  const { webcam } = liveVideos(proctor);
  await webcam.waitFor({ timeout: 30_000 });
  return webcam;
}

/** Close the live view dialog and wait until it is gone. */
export async function closeLiveView(proctor: Page): Promise<void> {
  const dialog = liveDialog(proctor);
  await dialog
    .getByRole('button', { name: /end live view|close/i })
    .first()
    .click();
  await dialog.waitFor({ state: 'detached', timeout: 30_000 });
}

/** Have every page this context opens use TURN relay only (or stop doing so). */
export async function forceRelay(page: Page, relay: boolean): Promise<void> {
  await page.evaluate(
    ([key, on]) => (on ? localStorage.setItem(key, '1') : localStorage.removeItem(key)),
    [RELAY_KEY, relay] as const,
  );
}
