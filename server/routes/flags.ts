import { listFlags } from '../../runtime/index.js';
import { errorBodySchema } from '../http-errors.js';
import { flagListSchema, flagsQuerySchema, streamQuerySchema } from '../api-schemas.js';
import { BEARER, type Api, type RouteContext } from './context.js';

/** Flags by state, and the live stream of transitions. */
export function registerFlagRoutes(app: Api, ctx: RouteContext): void {
  app.get(
    '/v1/flags',
    {
      onRequest: async (request) => ctx.auth.require(request, 'read'),
      schema: {
        summary: 'Flags by state (current state of each flag id), most recently changed first',
        tags: ['flags'],
        security: BEARER,
        querystring: flagsQuerySchema,
        response: { 200: flagListSchema, 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema },
      },
    },
    async (request) => {
      const q = request.query;
      return listFlags(ctx.scoring.store, { state: q.state, accountId: q.account, product: q.product, code: q.code, limit: q.limit, offset: q.offset });
    },
  );

  app.get(
    '/v1/flags/stream',
    {
      onRequest: async (request) => ctx.auth.require(request, 'read'),
      schema: {
        summary: 'Server-Sent Events: one `flag_transition` event per flag transition, as it happens',
        description:
          'Each event has `event: flag_transition`, `id: <transition_id>` and `data: <FlagTransition JSON>`; a comment line is sent as a heartbeat. A client reconnecting with the `Last-Event-ID` header first receives the transitions recorded since that one (at least once: de-duplicate on transition_id), then live ones.',
        tags: ['flags'],
        security: BEARER,
        querystring: streamQuerySchema,
        produces: ['text/event-stream'],
        response: { 401: errorBodySchema, 403: errorBodySchema },
      },
    },
    (request, reply) => {
      ctx.sse.open(request, reply, { codes: request.query.code, severities: request.query.severity });
    },
  );
}
