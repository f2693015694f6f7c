/** Public surface of the service: HTTP API, dashboard, flag fan-out (SSE, webhooks) and metrics. */
export { startService } from './service.js';
export type { ServiceOptions, RunningService } from './service.js';
export { buildApp } from './app.js';
export type { AppDeps } from './app.js';
export { startHttpServer } from './http-server.js';
export type { HttpServer } from './http-server.js';
export { createAuthenticator, generateToken } from '../runtime/index.js';
export type { Authenticator } from '../runtime/index.js';
export { createFlagHub, matchesFilter } from './flag-hub.js';
export type { FlagHub, TransitionFilter, TransitionListener } from './flag-hub.js';
export { createWebhookDispatcher, describeUrl } from './webhooks.js';
export type { WebhookDispatcher, WebhookDispatcherOptions, DeliveryOutcome } from './webhooks.js';
export { signBody, verifySignature, SIGNATURE_HEADER, TIMESTAMP_HEADER, IDEMPOTENCY_HEADER } from './signature.js';
export { errorBody, errorBodySchema } from './http-errors.js';
export type { ErrorBody, FieldIssue } from './http-errors.js';
export type { Api, ReadinessCheck, RouteContext } from './routes/context.js';
