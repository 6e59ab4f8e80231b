import type { FlagDuringCall, RtcLink } from '@invigil/contracts';
import { OFFSET_NOISE_MS } from '@invigil/detection/rules';

/**
 * How far apart a voice flag and a call may be (ms) and still count as overlapping: the
 * student's clock offset is estimated to the second, and offsets under OFFSET_NOISE_MS are
 * taken as none, so a flag's times mapped to the server's clock can be off by that much.
 */
export const CALL_OVERLAP_TOLERANCE_MS = OFFSET_NOISE_MS;

/** What the rule reads of a flag: its type and span on the student's clock (epoch ms). */
export interface FlagSpan {
  type: string;
  startMs: number;
  /** Null: the flag never ended, so it runs on past anything after its start. */
  endMs: number | null;
}

/** How to put the student's clock on the server's, and what "still open" means now. */
export interface CallClock {
  /** The student's clock offset (client − server, ms; see `estimateClockOffset`). */
  clockOffsetMs: number;
  /** The server's time now (epoch ms): where a call not yet ended reaches. */
  nowMs: number;
}

/**
 * The call with a proctor that a `voice` flag overlapped, or null. The detectors keep
 * listening during a call, so the student talking to the proctor raises voice flags; the
 * reviewer is told so beside the flag, which itself stays as raised.
 *
 * The flag is on the student's clock, links on the server's: the flag's span is moved by the
 * estimated offset. A call counts from `connectedAt` (media flowing; ringing and connecting
 * carry no voice) to `endedAt`, or to now while it lasts; live views (`view`) never count,
 * since the proctor only listens. Spans within CALL_OVERLAP_TOLERANCE_MS count as
 * overlapping. Of several calls, the first connected is named.
 */
export function callDuringFlag(
  flag: FlagSpan,
  links: readonly RtcLink[],
  clock: CallClock,
): FlagDuringCall | null {
  if (flag.type !== 'voice') return null;
  const fromMs = flag.startMs - clock.clockOffsetMs;
  const toMs = flag.endMs === null ? Infinity : flag.endMs - clock.clockOffsetMs;
  const calls = links
    .flatMap((l) =>
      l.kind === 'call' && l.connectedAt !== null
        ? [
            {
              link: l,
              fromMs: Date.parse(l.connectedAt),
              toMs: l.endedAt === null ? clock.nowMs : Date.parse(l.endedAt),
            },
          ]
        : [],
    )
    .sort((a, b) => a.fromMs - b.fromMs);
  const hit = calls.find(
    (c) =>
      fromMs <= c.toMs + CALL_OVERLAP_TOLERANCE_MS && toMs >= c.fromMs - CALL_OVERLAP_TOLERANCE_MS,
  );
  return hit ? { linkId: hit.link.id, proctorName: hit.link.proctor.name } : null;
}
