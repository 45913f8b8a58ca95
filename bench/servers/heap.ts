/** Two full collections: the second one frees what finalizers of the first released. */
export const heapAfterGc = (): number => {
  const gc = globalThis.gc
  if (!gc) throw new Error('the server must run with --expose-gc')
  gc()
  gc()
  return process.memoryUsage().heapUsed
}
