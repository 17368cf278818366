/** True when every byte of a region is zero (shared by both builds). */
export function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0
  for (const byte of bytes) acc |= byte
  return acc === 0
}
