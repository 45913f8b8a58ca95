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

/** The largest JSON state one awareness entry may carry (a caret, a name, a colour). */
export const MAX_AWARENESS_STATE_BYTES = 8 * 1024

/**
 * The most a document may weigh in storage (its snapshot plus its log). An update that would take
 * it past this is refused with `too-large` and nothing is stored.
 */
export const MAX_DOCUMENT_BYTES = 32 * 1024 * 1024

/** How many element documents one socket may have joined at once. */
export const MAX_OPEN_DOCUMENTS_PER_SOCKET = 1000

/** Account fields. */
export const MIN_USERNAME_LENGTH = 3
export const MAX_USERNAME_LENGTH = 32
export const MIN_PASSWORD_LENGTH = 8
/** Bounded so a megabyte "password" cannot make the key derivation a denial of service. */
export const MAX_PASSWORD_LENGTH = 256
