/**
 * Signed session tokens (JWT, HS256, jose). Both kinds name the user and the server-side session
 * they belong to, so logging out (deleting the session) revokes them before they expire:
 *
 * - access tokens live `accessTtlSeconds` (1 h by default) and authenticate requests and sockets;
 * - refresh tokens live as long as the session and carry its refresh generation: each is good for
 *   one refresh, and replaying a spent one ends the session (it was stolen or copied).
 */
import { SignJWT, jwtVerify } from 'jose'

const ISSUER = 'loresync'
const ALGORITHM = 'HS256'

export type TokenKind = 'access' | 'refresh'

export interface TokenClaims {
  readonly userId: string
  readonly sessionId: string
  /** Refresh tokens only: the session generation they may advance from. */
  readonly generation: number
}

export interface SignedToken {
  readonly token: string
  readonly expiresAt: Date
}

export const signToken = async (
  secret: Uint8Array,
  kind: TokenKind,
  claims: TokenClaims,
  expiresAt: Date,
): Promise<SignedToken> => {
  const token = await new SignJWT({ sid: claims.sessionId, gen: claims.generation, kind })
    .setProtectedHeader({ alg: ALGORITHM })
    .setIssuer(ISSUER)
    .setAudience(`${ISSUER}:${kind}`)
    .setSubject(claims.userId)
    .setIssuedAt()
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(secret)
  return { token, expiresAt }
}

/** The claims of a valid, unexpired token of `kind`; null for anything else. */
export const verifyToken = async (
  secret: Uint8Array,
  kind: TokenKind,
  token: unknown,
): Promise<TokenClaims | null> => {
  if (typeof token !== 'string' || token.length === 0 || token.length > 4096) return null
  try {
    const { payload } = await jwtVerify(token, secret, {
      algorithms: [ALGORITHM],
      issuer: ISSUER,
      audience: `${ISSUER}:${kind}`,
    })
    const { sub, sid, gen } = payload
    if (typeof sub !== 'string' || typeof sid !== 'string' || !Number.isSafeInteger(gen)) {
      return null
    }
    return { userId: sub, sessionId: sid, generation: gen as number }
  } catch {
    // Bad signature, expired, wrong audience, not a JWT: all mean "not authenticated".
    return null
  }
}
