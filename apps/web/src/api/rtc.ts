import { IceServersResponse, RtcLink, type OpenRtcBody } from '@invigil/contracts';
import { api, query } from './client';

const enc = encodeURIComponent;

/**
 * Live views and calls: open and end a link (signalling itself goes over the live
 * WebSocket), the open links of a session, and the ICE servers with fresh TURN credentials.
 */
export const rtcApi = {
  open: (sessionId: string, body: OpenRtcBody) =>
    api(`/api/sessions/${enc(sessionId)}/rtc`, { schema: RtcLink, method: 'POST', body }),
  links: (sessionId: string, signal?: AbortSignal) =>
    api(`/api/sessions/${enc(sessionId)}/rtc`, { schema: RtcLink.array(), signal }),
  end: (linkId: string) =>
    api(`/api/rtc/${enc(linkId)}/end`, { schema: RtcLink, method: 'POST', body: {} }),
  iceServers: (sessionId: string, signal?: AbortSignal) =>
    api(`/api/rtc/ice-servers${query({ sessionId })}`, { schema: IceServersResponse, signal }),
};
