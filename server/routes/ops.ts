import type { FastifyRequest } from 'fastify';
import { errorMessage } from '../../schemas/errors.js';
import { errorBodySchema } from '../http-errors.js';
import { healthSchema, readySchema } from '../api-schemas.js';
import { BEARER, type Api, type RouteContext } from './context.js';

const CHECK_TIMEOUT_MS = 3000;

function withTimeout(check: () => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
    check().then(
      () => (clearTimeout(timer), resolve()),
      (error: unknown) => (clearTimeout(timer), reject(error instanceof Error ? error : new Error(String(error)))),
    );
  });
}

/** Liveness, readiness, Prometheus metrics: open by default (HEALTH_PUBLIC, METRICS_PUBLIC). */
export function registerOpsRoutes(app: Api, ctx: RouteContext): void {
  const guard = (open: boolean) => (open ? undefined : async (request: FastifyRequest) => ctx.auth.require(request, 'read'));
  const security = (open: boolean) => (open ? [] : BEARER);

  app.get(
    '/healthz',
    {
      onRequest: guard(ctx.config.healthPublic),
      schema: { summary: 'Liveness: the process answers', tags: ['operations'], security: security(ctx.config.healthPublic), response: { 200: healthSchema, 401: errorBodySchema } },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      onRequest: guard(ctx.config.healthPublic),
      schema: {
        summary: "Readiness: the store and, when configured, Kafka answer; and this replica's role",
        tags: ['operations'],
        security: security(ctx.config.healthPublic),
        response: { 200: readySchema, 401: errorBodySchema, 503: readySchema },
      },
    },
    async (_request, reply) => {
      const entries = await Promise.all(
        Object.entries(ctx.checks).map(async ([name, check]) => {
          try {
            await withTimeout(check);
            return [name, { ok: true }] as const;
          } catch (error) {
            return [name, { ok: false, detail: errorMessage(error) }] as const;
          }
        }),
      );
      const checks = Object.fromEntries(entries);
      const ok = entries.every(([, c]) => c.ok);
      return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not_ready', checks, role: ctx.role() });
    },
  );

  app.get(
    '/metrics',
    {
      onRequest: guard(ctx.config.metricsPublic),
      schema: { summary: 'Prometheus metrics (text exposition format)', tags: ['operations'], security: security(ctx.config.metricsPublic), produces: ['text/plain'] },
    },
    async (_request, reply) => {
      const { contentType, body } = await ctx.metrics.render();
      return reply.type(contentType).send(body);
    },
  );
}
