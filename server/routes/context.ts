import type { FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { FastifyBaseLogger } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { ServerConfig } from '../../schemas/config.js';
import type { ScoringContext } from '../../runtime/index.js';
import type { Authenticator } from '../../runtime/index.js';
import type { FlagHub } from '../flag-hub.js';
import type { ServiceMetrics } from '../../runtime/index.js';
import type { SseStreams } from '../sse.js';

/** The Fastify instance type with zod request/response typing. */
export type Api = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>;

/** A readiness probe: resolves when the dependency answers, rejects (with a reason) when not. */
export type ReadinessCheck = () => Promise<void>;

/** What route modules need; built once by `buildApp`. */
export interface RouteContext {
  config: ServerConfig;
  auth: Authenticator;
  scoring: ScoringContext;
  hub: FlagHub;
  sse: SseStreams;
  metrics: ServiceMetrics;
  checks: Record<string, ReadinessCheck>;
  role: () => 'leader' | 'follower';
  logger: Logger;
  calibration: CalibrationSettings;
}

/** Outcome validation and the graduation age of calibration (from the configuration). */
export interface CalibrationSettings {
  graduationAgeDays: number;
  maxFutureSkewMs: number;
}

export const BEARER = [{ bearerAuth: [] }];
