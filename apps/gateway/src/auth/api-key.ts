import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * API keys: `gdx_<key id>_<secret>`. The key id (public, 16 base62-ish characters) finds the record; the secret
 * (32 random bytes, base64url) is checked against a salted scrypt hash, so a leaked database does not leak
 * usable keys. Keys are shown once, when created.
 */
export type Role = 'operator' | 'client' | 'supplier' | 'finance';
export const ROLES: readonly Role[] = ['operator', 'client', 'supplier', 'finance'];

export interface ParsedKey {
  keyId: string;
  secret: string;
}

const KEY_PATTERN = /^gdx_([A-Za-z0-9]{16})_([A-Za-z0-9_-]{43})$/;

export function newApiKey(): { key: string; keyId: string; secret: string } {
  const keyId = randomBytes(12).toString('base64url').replace(/[-_]/g, 'x').slice(0, 16);
  const secret = randomBytes(32).toString('base64url');
  return { key: `gdx_${keyId}_${secret}`, keyId, secret };
}

export function parseApiKey(key: string): ParsedKey | undefined {
  const match = KEY_PATTERN.exec(key);
  return match ? { keyId: match[1], secret: match[2] } : undefined;
}

/** scrypt with N = 2^cost, r = 8, p = 1: the slow part of a key check (cached after the first success). */
export function hashSecret(secret: string, salt: Buffer, cost: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(
      secret,
      salt,
      32,
      { N: 2 ** cost, r: 8, p: 1, maxmem: 256 * 2 ** cost * 8 + 1024 * 1024 },
      (error, hash) => (error ? reject(error) : resolve(hash)),
    ),
  );
}

export function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A fast fingerprint of a verified key, for the in-memory cache (never stored). */
export function fingerprint(key: string): string {
  return createHash('sha256').update(key).digest('base64url');
}
