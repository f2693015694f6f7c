import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { ApiScope, ApiToken } from '../schemas/config.js';
import { ForbiddenError, UnauthorizedError } from '../schemas/errors.js';

/**
 * Bearer-token authentication with `read` and `write` scopes. Tokens are
 * compared as SHA-256 digests in constant time, and every configured token is
 * checked, so response time does not reveal how much of a token matched.
 */

export interface Authenticator {
  /** The matching token's scopes; throws UnauthorizedError without a valid token. */
  authenticate(request: FastifyRequest): readonly ApiScope[];
  /** Throws UnauthorizedError (no/unknown token) or ForbiddenError (scope missing). */
  require(request: FastifyRequest, scope: ApiScope): void;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export function createAuthenticator(tokens: readonly ApiToken[]): Authenticator {
  const known = tokens.map((t) => ({ digest: digest(t.token), scopes: t.scopes }));
  const authenticate = (request: FastifyRequest): readonly ApiScope[] => {
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw new UnauthorizedError('this route needs an Authorization: Bearer <token> header');
    const candidate = digest(match[1]!);
    let scopes: readonly ApiScope[] | undefined;
    for (const t of known) if (timingSafeEqual(t.digest, candidate)) scopes = t.scopes;
    if (!scopes) throw new UnauthorizedError('the bearer token is not valid');
    return scopes;
  };
  return {
    authenticate,
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
