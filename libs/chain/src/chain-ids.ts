/** A UUID as a contract's bytes16 key (payout ids, mint ids). */
export function uuidBytes16(id: string): `0x${string}` {
  const hex = id.replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new RangeError(`"${id}" is not a UUID`);
  return `0x${hex}`;
}

/** A compute credit's ERC-1155 token id: its UUID as a 128-bit number. */
export function creditTokenId(creditId: string): bigint {
  return BigInt(uuidBytes16(creditId));
}

/** The compute credit a token id stands for (the inverse of {@link creditTokenId}). */
export function creditIdOfToken(tokenId: bigint): string | undefined {
  if (tokenId < 0n || tokenId >= 1n << 128n) return undefined;
  const hex = tokenId.toString(16).padStart(32, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
