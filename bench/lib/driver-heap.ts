/**
 * Keeps the driver's major garbage collections out of the measured windows, alike for every server.
 *
 * The driver holds about 1,000 clients on one core, and at T1's load its old generation grows by
 * about 7 MB/s. With V8's default heap growth a full collection came every 10–20 s (pauses of
 * 50–100 ms, incremental marking steps of up to 20 ms), and whether one fell into a server's 15 s
 * window decided half of every server's T1 p99 repeats (11–17 ms or 62–209 ms for the same code).
 * A collection forced before each window alone made that worse: V8 then set the next limit from
 * the small live heap, so the next collection came inside the window (docs/benchmarks.md, Tried).
 * Together with a heap growing factor of 11 (`--heap-growing-percent=1000`, set by `npm run bench`)
 * the next limit is several hundred megabytes away, more than a window allocates, so no window
 * holds a full collection of the driver. Scavenges of the young generation remain, in every window.
 */

/** The flags `npm run bench` gives the driver's Node; this module needs both. */
export const DRIVER_HEAP_FLAGS = ['--expose-gc', '--heap-growing-percent=1000'] as const

const collect = (): (() => void) | undefined => (globalThis as { gc?: () => void }).gc

/** Whether the driver runs with the flags above, so `settleDriverHeap` does its job. */
export const driverHeapControlled = (): boolean =>
  collect() !== undefined && DRIVER_HEAP_FLAGS.every((flag) => process.execArgv.includes(flag))

/** A full collection of the driver's heap, just before a measured window starts. */
export const settleDriverHeap = (): void => {
  collect()?.()
}
