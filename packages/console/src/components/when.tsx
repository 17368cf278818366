/**
 * A time as people read it (local time, to the second), with the exact UTC instant in `dateTime`
 * and in the tooltip.
 *
 * @param props.time An ISO 8601 time, or `null` (shown as `fallback`).
 */
export function When({ time, fallback = '—' }: { time: string | null; fallback?: string }) {
  if (time === null) return <span className="muted">{fallback}</span>
  const date = new Date(time)
  return (
    <time dateTime={date.toISOString()} title={date.toISOString()}>
      {formatTime(date)}
    </time>
  )
}

/** `2026-12-03 14:05:09`, local time. */
export function formatTime(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0')
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())} ${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`
}
