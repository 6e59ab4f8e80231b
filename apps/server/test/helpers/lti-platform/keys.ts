import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey, type JWK } from 'jose';
import type { SignOverrides } from './types.js';

interface KeyPair {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

const SIGNING_ALGS = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'ES256']);

async function newKeyPair(alg: string): Promise<KeyPair> {
  if (!SIGNING_ALGS.has(alg)) throw new Error(`the emulator cannot sign with ${alg}`);
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = `${alg.toLowerCase()}-${randomUUID()}`;
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicJwk };
}

/**
 * The platform's signing keys. One RS256 key signs launches; rotation adds a key and keeps
 * the old ones published, as platforms do so that tokens in flight still verify. Keys of other
 * algorithms are made (and published) when a test asks to sign with them; rogue keys are never
 * published.
 */
export class PlatformKeys {
  private readonly published: KeyPair[] = [];
  private readonly rogue = new Map<string, KeyPair>();
  private current: KeyPair;

  private constructor(first: KeyPair) {
    this.current = first;
    this.published.push(first);
  }

  /** A key ring with one RS256 key. */
  static async create(): Promise<PlatformKeys> {
    return new PlatformKeys(await newKeyPair('RS256'));
  }

  /** The kid that signs launches now. */
  get currentKid(): string {
    return this.current.kid;
  }

  /** A new RS256 signing key; returns its kid. */
  async rotate(): Promise<string> {
    this.current = await newKeyPair('RS256');
    this.published.push(this.current);
    return this.current.kid;
  }

  /** The public JWKS. */
  jwks(): { keys: JWK[] } {
    return { keys: this.published.map((k) => k.publicJwk) };
  }

  /** Sign `claims` as they are, with the current key unless `o` says otherwise. */
  async sign(claims: Record<string, unknown>, o: SignOverrides = {}): Promise<string> {
    const alg = o.alg ?? 'RS256';
    if (alg === 'none') return new UnsecuredJWT(claims).encode();
    const which = o.key ?? 'platform';
    const key = await this.keyFor(alg, which);
    // A rogue key claims the current platform kid, as a forgery would.
    const kid = o.kid ?? (which === 'rogue' ? this.current.kid : key.kid);
    return new SignJWT(claims).setProtectedHeader({ alg, kid, typ: 'JWT' }).sign(key.privateKey);
  }

  private async keyFor(alg: string, which: 'platform' | 'rogue'): Promise<KeyPair> {
    if (which === 'rogue') {
      const key = this.rogue.get(alg) ?? (await newKeyPair(alg));
      this.rogue.set(alg, key);
      return key;
    }
    if (this.current.alg === alg) return this.current;
    const existing = this.published.find((k) => k.alg === alg);
    if (existing) return existing;
    const key = await newKeyPair(alg);
    this.published.push(key);
    return key;
  }
}
