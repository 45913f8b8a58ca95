/**
 * Size limits shared by both sides. The client uses them to decide when to chunk; the server uses
 * them to refuse. Changing one is a protocol change: document it in docs/protocol.md.
 */

/** Socket.IO `maxHttpBufferSize`: the largest single message the server accepts. */
export const MAX_MESSAGE_BYTES = 1024 * 1024

/**
 * Updates above this size are sent as `doc:update-chunk` messages. It leaves head-room below
 * MAX_MESSAGE_BYTES for the Socket.IO envelope and the chunk header.
 */
export const CHUNK_BYTES = 512 * 1024

/** The largest update the server will reassemble from chunks (a whole offline session). */
export const MAX_REASSEMBLED_UPDATE_BYTES = 64 * 1024 * 1024

/** Chunked transfers that are not completed within this time are dropped by the server. */
export const CHUNK_TRANSFER_TIMEOUT_MS = 60_000

/** The largest encoded awareness update accepted from one client. */
export const MAX_AWARENESS_BYTES = 64 * 1024

/** Text limits for names and summaries entered over HTTP. */
export const MAX_WORLD_NAME_LENGTH = 200
export const MAX_ELEMENT_NAME_LENGTH = 200
export const MAX_SUMMARY_LENGTH = 5000
