import type { FastifyReply } from 'fastify';
import { accountReport, portfolio, readAheadViews } from '../../runtime/index.js';
import { reportsCsv } from '../../scoring/index.js';
import { sendCsv, wantsCsv } from '../csv.js';
import { NotFoundError } from '../../schemas/errors.js';
import { errorBodySchema } from '../http-errors.js';
import { jsonBytesOnce } from '../serialized.js';
import { accountParamsSchema, accountQuerySchema, accountReadinessSchema, readinessListSchema, readinessQuerySchema } from '../api-schemas.js';
import { BEARER, type Api, type RouteContext } from './context.js';

/** Sends JSON bytes as they are (the shape is the route's response schema; the bytes were made from a value of it). */
function sendJson(reply: FastifyReply, body: Buffer): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(body);
}

/** Readiness reads: the portfolio list and one account-product's report, history and explanation. */
export function registerReadinessRoutes(app: Api, ctx: RouteContext): void {
  app.get(
    '/v1/readiness',
    {
      onRequest: async (request) => ctx.auth.require(request, 'read'),
      schema: {
        summary: 'Readiness of every account-product, most at risk first',
        description:
          'Latest report per account-product (or the reports of `as_of`), filtered, sorted (default: by `risk`, highest first, then band, then graduation score) and paginated with `limit`/`offset`; `total` counts the matches before paging. With `Accept: text/csv`: every match as CSV (the columns of `report --format csv`), not one page.',
        tags: ['readiness'],
        security: BEARER,
        querystring: readinessQuerySchema,
        produces: ['application/json', 'text/csv'],
        response: { 200: readinessListSchema, 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const filter = {
        asOf: q.as_of,
        accountId: q.account,
        search: q.q,
        product: q.product,
        productType: q.product_type,
        band: q.band,
        flag: q.flag,
        ready: q.ready,
        csm: q.csm,
        needsAttention: q.needs_attention,
        sort: q.sort,
        order: q.order,
      };
      // CSV is the export: every match of the filters, in the same order, not one page.
      if (wantsCsv(request.headers.accept)) return sendCsv(reply, reportsCsv((await portfolio(ctx.scoring.store, filter)).reports), 'readiness.csv');
      const page = await portfolio(ctx.scoring.store, { ...filter, limit: q.limit, offset: q.offset });
      // The rows on screen are the views opened next.
      if (q.as_of === undefined) readAheadViews(ctx.scoring.store, page.reports, ctx.config.viewReadAhead);
      // A cached page is the same object for the same query (limit and offset included): its answer is encoded once.
      return sendJson(
        reply,
        jsonBytesOnce(page, () => `{"as_of":${JSON.stringify(page.as_of)},"total":${page.total},"limit":${q.limit},"offset":${q.offset},"items":${JSON.stringify(page.reports)}}`),
      );
    },
  );

  app.get(
    '/v1/accounts/:account/products/:product/readiness',
    {
      onRequest: async (request) => ctx.auth.require(request, 'read'),
      schema: {
        summary: 'One account-product: report, snapshot history and what changed last',
        tags: ['readiness'],
        security: BEARER,
        params: accountParamsSchema,
        querystring: accountQuerySchema,
        response: { 200: accountReadinessSchema, 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema },
      },
    },
    async (request, reply) => {
      const { account, product } = request.params;
      const view = await accountReport(ctx.scoring.store, { accountId: account, product, asOf: request.query.as_of, from: request.query.from, to: request.query.to });
      if (!view) throw new NotFoundError(`account ${account}, product ${product} has no readiness report${request.query.as_of ? ` for ${request.query.as_of}` : ''}`);
      return sendJson(reply, jsonBytesOnce(view, () => JSON.stringify(view)));
    },
  );
}
