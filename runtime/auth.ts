import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiScope, ApiToken } from '../schemas/config.js';
import { ForbiddenError, UnauthorizedError } from '../schemas/errors.js';

/** What authentication reads of a request: fastify's and node:http's both fit. */
export interface RequestHeaders {
  headers: { authorization?: string | undefined };
}

/**
 * Bearer-token authentication with `read` and `write` scopes, for the HTTP API and `consume`'s
 * metrics endpoint. Tokens are
 * compared as SHA-256 digests in constant time, and every configured token is
 * checked, so response time does not reveal how much of a token matched.
 */

export interface Authenticator {
  /** The matching token's scopes; throws UnauthorizedError without a valid token. */
  authenticate(request: RequestHeaders): readonly ApiScope[];
  /** Throws UnauthorizedError (no/unknown token) or ForbiddenError (scope missing). */
  require(request: RequestHeaders, scope: ApiScope): void;
  /** A stable name of the request's token (not the token) when it is valid: the rate limit's key. */
  tokenId(request: RequestHeaders): string | undefined;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export function createAuthenticator(tokens: readonly ApiToken[]): Authenticator {
  const known = tokens.map((t, i) => ({ id: `token:${i}`, digest: digest(t.token), scopes: t.scopes }));
  const bearerOf = (request: RequestHeaders): string | undefined => {
    const header = request.headers.authorization;
    return header ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
  };
  const match = (request: RequestHeaders): (typeof known)[number] | undefined => {
    const bearer = bearerOf(request);
    if (bearer === undefined) return undefined;
    const candidate = digest(bearer);
    let found: (typeof known)[number] | undefined;
    for (const t of known) if (timingSafeEqual(t.digest, candidate)) found = t;
    return found;
  };
  const authenticate = (request: RequestHeaders): readonly ApiScope[] => {
    if (bearerOf(request) === undefined) throw new UnauthorizedError('this route needs an Authorization: Bearer <token> header');
    const found = match(request);
    if (!found) throw new UnauthorizedError('the bearer token is not valid');
    return found.scopes;
  };
  return {
    authenticate,
    tokenId: (request) => match(request)?.id,
    require(request, scope) {
      const scopes = authenticate(request);
      if (!scopes.includes(scope)) throw new ForbiddenError(`this route needs a token with the ${scope} scope`);
    },
  };
}

/** A one-off read+write token for a service started without API_TOKENS. */
export function generateToken(): ApiToken {
  return { token: randomBytes(24).toString('base64url'), scopes: ['read', 'write'] };
}
