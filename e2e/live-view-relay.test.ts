import { createHmac } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoServer, startDemoServer } from './helpers/app-server.js';
import { browserUnavailable, launchBrowser } from './helpers/browser.js';
import { type Coturn, coturnUnavailable, startCoturn } from './helpers/coturn.js';
import {
  closeLiveView,
  forceRelay,
  liveDialog,
  liveVideos,
  openLiveView,
} from './helpers/live-view-ui.js';
import {
  clickAndFirstFrame,
  connectedPeer,
  expectFramesFlowing,
  instrumentPeerConnections,
  peerReports,
  recordFirstFrames,
} from './helpers/rtc-probe.js';
import {
  checkInAndStartExam,
  demoApiSession,
  signInAsDemo,
  signInStudent,
} from './helpers/student-flow.js';

const SHOTS = path.resolve('e2e/screenshots');
/** Generous: the machines are shared. Times are printed, never asserted. */
const MEDIA_TIMEOUT_MS = 60_000;

type Browser = Awaited<ReturnType<typeof launchBrowser>>;

/**
 * The proctor's live view through a real TURN server (coturn on loopback), with both
 * browsers restricted to relay candidates (`iceTransportPolicy: 'relay'`, the web app's
 * `invigil.rtc.relay` switch) — what a deployment behind strict firewalls depends on. The
 * server hands out coturn credentials (TURN REST: HMAC of `expiry:userId` with the shared
 * secret); the webcam and screen arrive as moving video; both peer connections' selected
 * candidate pair is relay/relay; coturn logged an allocation for the proctor and the student.
 */
describe.skipIf(browserUnavailable() !== undefined || coturnUnavailable() !== undefined)(
  'live view through TURN only',
  () => {
    let coturn: Coturn;
    let server: DemoServer;
    let studentBrowser: Browser;
    let proctorBrowser: Browser;
    let student: Page;
    let proctor: Page;
    const errors: string[] = [];

    beforeAll(async () => {
      mkdirSync(SHOTS, { recursive: true });
      coturn = await startCoturn();
      server = await startDemoServer(coturn.env);
      studentBrowser = await launchBrowser();
      proctorBrowser = await launchBrowser();
      for (const b of [studentBrowser, proctorBrowser]) {
        await instrumentPeerConnections(b.context);
      }
      await recordFirstFrames(proctorBrowser.context);
      student = await studentBrowser.context.newPage();
      proctor = await proctorBrowser.context.newPage();
      student.on('pageerror', (e) => errors.push(`student: ${String(e)}`));
      proctor.on('pageerror', (e) => errors.push(`proctor: ${String(e)}`));
    });
    afterAll(async () => {
      await studentBrowser?.close();
      await proctorBrowser?.close();
      await server?.close();
      await coturn?.stop();
    });

    const shot = (page: Page, name: string) =>
      page.screenshot({
        path: path.join(SHOTS, `live-view-relay-${name}.png`),
        fullPage: true,
        timeout: 90_000,
      });

    it(
      'webcam and screen arrive over a relay/relay pair with server-issued TURN credentials',
      { timeout: 300_000 },
      async () => {
        await signInStudent(server, student, 0);
        await forceRelay(student, true);
        const sessionId = await checkInAndStartExam(student);

        // The server's ICE servers are this coturn, with credentials it can verify.
        const staff = await demoApiSession(server, 'proctor');
        const me = (await staff.call('GET', '/api/auth/me')) as { user: { id: string } };
        const proctorId = me.user.id;
        const ice = (await staff.call('GET', `/api/rtc/ice-servers?sessionId=${sessionId}`)) as {
          iceServers: { urls: string | string[]; username?: string; credential?: string }[];
        };
        const turn = ice.iceServers.find((s) => [s.urls].flat().some((u) => u.startsWith('turn:')));
        expect([turn?.urls].flat().sort()).toEqual([...coturn.urls].sort());
        expect(turn?.username).toMatch(new RegExp(`^\\d+:${proctorId}$`));
        const expected = createHmac('sha1', coturn.secret).update(turn!.username!).digest('base64');
        expect(turn?.credential).toBe(expected);
        expect(JSON.stringify(ice)).not.toContain(coturn.secret);

        await signInAsDemo(server, proctor, 'proctor');
        await proctor.waitForURL(/\/proctor$/);
        await forceRelay(proctor, true);
        await proctor.goto(`${server.url}/proctor/sessions/${sessionId}`);

        await openLiveView(proctor);
        const first = await clickAndFirstFrame(
          proctor,
          /^Student webcam \(live\)/,
          MEDIA_TIMEOUT_MS,
        );
        const { webcam, screen } = liveVideos(proctor);
        const cam = await expectFramesFlowing(webcam, 'student webcam', MEDIA_TIMEOUT_MS);
        const scr = await expectFramesFlowing(screen, 'student screen', MEDIA_TIMEOUT_MS);
        console.log(
          `[live-view-relay] webcam frames ${cam.first}→${cam.later}, screen ${scr.first}→${scr.later}; ` +
            `first webcam frame ${first.frameAt - first.clickAt} ms after the click`,
        );
        await liveDialog(proctor)
          .getByRole('status')
          .filter({ hasText: /^Live$/ })
          .waitFor({ timeout: MEDIA_TIMEOUT_MS });

        // Both ends went through coturn: the selected pair is relay/relay on each side.
        const proctorPeer = await connectedPeer(proctor, MEDIA_TIMEOUT_MS);
        const studentPeer = await connectedPeer(student, MEDIA_TIMEOUT_MS);
        console.log(
          `[live-view-relay] proctor ${JSON.stringify(proctorPeer)}\n[live-view-relay] student ${JSON.stringify(studentPeer)}`,
        );
        for (const peer of [proctorPeer, studentPeer]) {
          expect(peer.iceTransportPolicy).toBe('relay');
          expect(peer.iceUrls).toEqual(expect.arrayContaining(coturn.urls));
          expect(peer.pair).toBe('relay/relay');
        }
        expect(proctorPeer.packetsIn.video).toBeGreaterThan(0);
        expect(proctorPeer.packetsIn.audio).toBeGreaterThan(0);
        expect(proctorPeer.packetsOut.video + proctorPeer.packetsOut.audio).toBe(0);
        // coturn saw both users sign in with the server's credentials.
        const users = coturn.allocations().map((u) => u.split(':')[1]);
        const studentMe = (await (
          await demoApiSession(server, 'student', 0)
        ).call('GET', '/api/auth/me')) as { user: { id: string } };
        expect(users).toContain(proctorId);
        expect(users).toContain(studentMe.user.id);

        // The student is told, and their recording goes on.
        await student.getByTestId('rtc-watching').waitFor({ timeout: 30_000 });
        await student.getByText('Recording camera and screen').waitFor();
        await shot(proctor, 'proctor');
        await shot(student, 'student');

        const links = (await staff.call('GET', `/api/sessions/${sessionId}/rtc`)) as {
          id: string;
          state: string;
        }[];
        expect(links.map((l) => l.state)).toEqual(['live']);

        await closeLiveView(proctor);
        await student.getByTestId('rtc-watching').waitFor({ state: 'detached', timeout: 30_000 });
        await expect
          .poll(
            async () => (await staff.call('GET', `/api/sessions/${sessionId}/rtc`)) as unknown[],
          )
          .toEqual([]);
        await expect
          .poll(async () => (await peerReports(proctor)).length, { timeout: 10_000 })
          .toBe(0);
        expect(errors).toEqual([]);
      },
    );
  },
);
