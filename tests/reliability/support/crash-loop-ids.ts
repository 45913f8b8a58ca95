/** The world and documents the crash-loop writer creates; shared by the writer and the test. */
export const WORLD_ID = '00000000-0000-4000-8000-000000000000'
export const DOC_IDS = [1, 2, 3].map((n) => `00000000-0000-4000-8000-00000000000${n}`)
