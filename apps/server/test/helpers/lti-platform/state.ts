import type { PlatformKeys } from './keys.js';
import type { AccessTokens } from './token-endpoint.js';
import type { ToolJwtVerifier } from './tool-jwt.js';
import type { DeepLinkReturn, EmulatorCourse, LaunchOptions, Refusal } from './types.js';

/** A launch handed out by `launchUrl`, keyed by its login_hint. */
export interface PendingLaunch {
  options: LaunchOptions;
  messageHint: string;
  /** The `data` of a deep-linking request (echoed back by the tool). */
  deepLinkData: string | null;
}

/** A deep-linking request sent to the tool, keyed by its `data`. */
export interface DeepLinkRequest {
  contextId: string;
  used: boolean;
}

/** Everything the endpoints of the emulator share. */
export interface PlatformState {
  url: string;
  issuer: string;
  clientId: string;
  deploymentId: string;
  tokenAudience: string;
  pageSize: number;
  toolBaseUrl: string | null;
  keys: PlatformKeys;
  toolJwt: ToolJwtVerifier;
  tokens: AccessTokens;
  courses: Map<string, EmulatorCourse>;
  launches: Map<string, PendingLaunch>;
  deepLinkRequests: Map<string, DeepLinkRequest>;
  /** Client assertion ids already used (replay protection). */
  assertionJtis: Set<string>;
  /** Nonces of deep-linking responses already accepted. */
  deepLinkNonces: Set<string>;
  /** Iframe pages: key → the URL they frame. */
  pages: Map<string, string>;
  /** Registration tokens handed out and not yet used. */
  registrationTokens: Set<string>;
  scoreFailures: number;
  deepLinkReturns: DeepLinkReturn[];
  tokenRequests: { scopes: string[] }[];
  registrations: Record<string, unknown>[];
  refusals: Refusal[];
}

/** The tool's base URL, or an error saying how to set it. */
export function toolBase(state: PlatformState): string {
  if (!state.toolBaseUrl)
    throw new Error('the emulator does not know the tool yet: call setTool()');
  return state.toolBaseUrl;
}
