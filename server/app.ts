import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import fastifyCompress from '@fastify/compress';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyReply } from 'fastify';
import { jsonSchemaTransform, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { loadConfig, type ApiToken, type ServerConfig } from '../schemas/config.js';
import { ERROR_CODES, ReadinessError } from '../schemas/errors.js';
import { packageFile } from '../schemas/package-files.js';
import { flagTransitionJsonSchema } from '../schemas/flags.js';
import type { ScoringContext, ServiceMetrics } from '../runtime/index.js';
import { createAuthenticator, transitionsSince } from '../runtime/index.js';
import type { FlagHub } from './flag-hub.js';
import { clientErrorHandler, errorBody, frameworkErrors, installErrorHandlers, MAX_RAW_PARAM_LENGTH } from './http-errors.js';
import { registerAssessmentRoutes } from './routes/assessments.js';
import { registerCalibrationRoutes } from './routes/calibration.js';
import type { Api, CalibrationSettings, ReadinessCheck, RouteContext } from './routes/context.js';
import { registerFlagRoutes } from './routes/flags.js';
import { registerOpsRoutes } from './routes/ops.js';
import { registerProductTypeRoutes } from './routes/product-types.js';
import { registerReadinessRoutes } from './routes/readiness.js';
import { createSseStreams } from './sse.js';

export interface AppDeps {
  config: ServerConfig;
  /** Accepted tokens (configured, or the one generated at start). */
  tokens: readonly ApiToken[];
  /** Store, products and the flag sink that assessment re-scoring publishes to. */
  scoring: ScoringContext;
  hub: FlagHub;
  metrics: ServiceMetrics;
  /** Readiness probes by name; the store's is added when missing. */
  checks?: Record<string, ReadinessCheck>;
  /** This replica's current role (shown by /readyz); omitted: the leader (a single process). */
  role?: () => 'leader' | 'follower';
  logger: Logger;
  version: string;
  /** Outcome validation and the graduation age of calibration; omitted: the configuration's defaults. */
  calibration?: CalibrationSettings;
}

/** The defaults come from the configuration schema, the one place they are stated. */
function calibrationDefaults(): CalibrationSettings {
  const config = loadConfig({});
  return { graduationAgeDays: config.calibration.graduationAgeDays, maxFutureSkewMs: config.ingest.maxFutureSkewMs };
}

/** Open operations routes: never rate limited (probes and scrapes must not be refused). */
const OPS_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * The dashboard loads its scripts and styles from this origin only and talks
 * only to this API. Its views set `style` attributes (bar widths), which
 * `style-src-attr` allows; no inline or foreign script can run.
 */
const DASHBOARD_CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  styleSrcAttr: ["'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

const PUBLIC_DIR = packageFile('server', 'public');
/** The compiled plain-language module the dashboard shares with reports (flag titles), so both name a flag the same way. */
const SHARED_DIR = packageFile('dist', 'scoring');
const SHARED_FILES = new Set(['/wording.js', '/rounding.js']);
const UPLOT_DIR = join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');
/** htm's standalone build: Preact, its hooks and htm in one ES module, so the dashboard needs no build step. */
const HTM_DIR = join(dirname(createRequire(import.meta.url).resolve('htm')), '..', 'preact');

/** Builds the HTTP application (routes, auth, errors, OpenAPI, dashboard) without listening. */
export interface BuiltApp {
  app: Api;
  closeStreams: () => void;
  /** Answers every request still unanswered 503 SHUTTING_DOWN (the grace period of a stop is over). */
  answerPending: () => void;
}

export async function buildApp(deps: AppDeps): Promise<BuiltApp> {
  const { config, metrics, logger } = deps;
  const app = Fastify({
    loggerInstance: logger.child({ component: 'http' }) as FastifyBaseLogger,
    // Requests are logged at debug level by the onResponse hook below, without headers (tokens).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    requestTimeout: config.requestTimeoutMs,
    frameworkErrors,
    clientErrorHandler,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    forceCloseConnections: 'idle',
    // Answered by the onRequest hook below, in this API's error format.
    return503OnClosing: false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_RAW_PARAM_LENGTH },
  }).withTypeProvider<ZodTypeProvider>();
  app.server.headersTimeout = config.headersTimeoutMs;

  app.setValidatorCompiler(validatorCompiler);
  // Plain JSON: response schemas document and type-check; they do not strip fields at run time.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  installErrorHandlers(app, (error) => logger.error({ err: error }, 'request failed'));
  const auth = createAuthenticator(deps.tokens);

  await app.register(fastifyHelmet, { contentSecurityPolicy: { useDefaults: false, directives: DASHBOARD_CSP } });
  // SSE streams write to the raw response after hijacking it, so they bypass compression.
  await app.register(fastifyCompress, { threshold: 1024 });
  if (config.rateLimitMax > 0) {
    await app.register(fastifyRateLimit, {
      max: config.rateLimitMax,
      timeWindow: config.rateLimitWindowMs,
      // Per token; requests without a valid one share a budget per client address.
      keyGenerator: (request) => auth.tokenId(request) ?? `ip:${request.ip}`,
      // Probes and scrapes are never limited.
      allowList: (request) => OPS_PATHS.has(request.url.split('?')[0]!),
      errorResponseBuilder: (_request, context) =>
        new ReadinessError(ERROR_CODES.RATE_LIMITED, `more than ${context.max} requests in ${config.rateLimitWindowMs / 1000} s; retry in ${context.after}`, {
          canRetry: true,
        }),
    });
  }

  const sse = createSseStreams({
    hub: deps.hub,
    heartbeatMs: config.sseHeartbeatMs,
    maxClients: config.sseMaxClients,
    maxBufferBytes: config.sseMaxBufferBytes,
    resume: (lastEventId, limit) => transitionsSince(deps.scoring.store, lastEventId, limit),
    onCountChange: (d) => metrics.sseClients(d),
    onSlowClient: () => logger.warn('dropped an event-stream client that did not read its stream (SSE_MAX_BUFFER_BYTES)'),
  });
  const ctx: RouteContext = {
    config,
    auth,
    scoring: deps.scoring,
    hub: deps.hub,
    sse,
    metrics,
    role: deps.role ?? (() => 'leader'),
    checks: {
      store: async () => {
        if (!(await deps.scoring.store.ping())) throw new Error('the store does not answer');
      },
      ...deps.checks,
    },
    logger,
    calibration: deps.calibration ?? calibrationDefaults(),
  };

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.observeHttp(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    request.log.debug({ method: request.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });
  let closing = false;
  // Requests not answered yet: those a stop's grace period ends for are answered 503 rather than cut off.
  const pending = new Set<FastifyReply>();
  app.addHook('onRequest', async (_request, reply) => {
    if (closing) throw new ReadinessError(ERROR_CODES.SHUTTING_DOWN, 'the service is shutting down; retry on another instance or later', { canRetry: true });
    pending.add(reply);
    // Answered, cut off by the client or hijacked and ended (SSE): no longer pending.
    reply.raw.once('close', () => pending.delete(reply));
  });
  app.addHook('preClose', async () => {
    closing = true;
    // Open SSE streams would keep `close()` waiting forever.
    sse.closeAll();
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'usage-readiness API',
        version: deps.version,
        description:
          'Onboarding-graduation readiness. Every /v1 route needs `Authorization: Bearer <token>` (read scope; POST routes need write). Errors are `{"error": {"code", "message", "details"?}}`.',
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } },
        schemas: { FlagTransitionMessage: flagTransitionJsonSchema() },
      },
      tags: [
        { name: 'readiness', description: 'Readiness reports and rollups' },
        { name: 'assessments', description: 'CSM input to the scorecard' },
        { name: 'flags', description: 'Red flags and their transitions' },
        { name: 'calibration', description: 'Outcomes, and retention by readiness at graduation' },
        { name: 'operations', description: 'Health, readiness and metrics' },
      ],
    },
    transform: jsonSchemaTransform,
  });

  registerReadinessRoutes(app, ctx);
  registerAssessmentRoutes(app, ctx);
  registerFlagRoutes(app, ctx);
  registerProductTypeRoutes(app, ctx);
  registerCalibrationRoutes(app, ctx);
  registerOpsRoutes(app, ctx);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  // The dashboard: static files and the vendored chart library, no CDN.
  await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/', index: 'index.html', maxAge: '5m' });
  await app.register(fastifyStatic, { root: SHARED_DIR, prefix: '/shared/', decorateReply: false, maxAge: '5m', allowedPath: (path) => SHARED_FILES.has(path) });
  await app.register(fastifyStatic, { root: UPLOT_DIR, prefix: '/vendor/uplot/', decorateReply: false, maxAge: '1d' });
  await app.register(fastifyStatic, { root: HTM_DIR, prefix: '/vendor/htm/', decorateReply: false, maxAge: '1d', allowedPath: (path) => path === '/standalone.mjs' });

  const answerPending = () => {
    let answered = 0;
    for (const reply of pending) {
      if (reply.sent || reply.raw.headersSent) continue;
      void reply.status(503).send(errorBody(ERROR_CODES.SHUTTING_DOWN, 'the service stopped before this request was answered; retry on another instance or later'));
      // Its handler may still fail later (the store closing under it); that is expected now, not an error to log per request.
      reply.log.level = 'silent';
      answered++;
    }
    pending.clear();
    if (answered > 0) logger.warn({ requests: answered }, 'answered requests still waiting at the end of the shutdown grace period with 503 SHUTTING_DOWN');
  };
  return { app, closeStreams: () => sse.closeAll(), answerPending };
}
