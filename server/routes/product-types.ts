import { productTypeSummary } from '../../runtime/index.js';
import { errorBodySchema } from '../http-errors.js';
import { summaryQuerySchema, summarySchema } from '../api-schemas.js';
import { BEARER, type Api, type RouteContext } from './context.js';

/** The per-product-type rollup. */
export function registerProductTypeRoutes(app: Api, ctx: RouteContext): void {
  app.get(
    '/v1/product-types/summary',
    {
      onRequest: async (request) => ctx.auth.require(request, 'read'),
      schema: {
        summary: 'Per product type: accounts per band, ready and needing attention, median active ratios, flag shares, and the weekly usage trend per type and per product',
        tags: ['readiness'],
        security: BEARER,
        querystring: summaryQuerySchema,
        response: { 200: summarySchema, 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema },
      },
    },
    async (request) => {
      return productTypeSummary(ctx.scoring.store, ctx.scoring.products, { asOf: request.query.as_of });
    },
  );
}
