/** The signed-note key name of checkpoint key `kid`, as it appears on every checkpoint. */
export function checkpointKeyName(kid: string): string {
  return `latch-checkpoint-${kid}`
}
