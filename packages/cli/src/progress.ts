import { SingleBar } from 'cli-progress'
import type { Io } from './io.js'

/** A progress reporter: `update(loaded, total?)` then `stop()`. */
export interface Progress {
  update(loaded: number, total: number | undefined): void
  stop(): void
}

const NONE: Progress = { update: () => undefined, stop: () => undefined }

/**
 * A progress bar on stderr for transfers, only when stderr is a terminal (scripts and pipes get
 * clean output) and only past 1 MiB.
 */
export function progressFor(io: Io, label: string): Progress {
  if (io.stderr.isTTY !== true) return NONE
  let bar: SingleBar | undefined
  return {
    update(loaded, total) {
      if (bar === undefined) {
        if ((total ?? loaded) < 1024 * 1024) return
        bar = new SingleBar({
          stream: io.stderr as NodeJS.WriteStream,
          format: `${label} [{bar}] {percentage}% {value_mib}/{total_mib} MiB {speed} MiB/s`,
          hideCursor: true,
          clearOnComplete: true,
        })
        bar.start(total ?? loaded, 0, { value_mib: '0', total_mib: '?', speed: '0' })
      }
      const started = (bar as unknown as { startTime: number }).startTime ?? Date.now()
      const seconds = Math.max((Date.now() - started) / 1000, 0.001)
      if (total !== undefined) bar.setTotal(total)
      bar.update(loaded, {
        value_mib: (loaded / 1048576).toFixed(1),
        total_mib: total === undefined ? '?' : (total / 1048576).toFixed(1),
        speed: (loaded / 1048576 / seconds).toFixed(1),
      })
    },
    stop() {
      bar?.stop()
    },
  }
}
