import { latestReports, rollupByProductType } from '../../scoring/index.js';
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
        summary: 'Per product type: accounts per band, median active ratios, share of accounts with each flag',
        tags: ['readiness'],
        security: BEARER,
        querystring: summaryQuerySchema,
        response: { 200: summarySchema, 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema },
      },
    },
    async (request) => {
      const reports = await latestReports(ctx.scoring.store, { asOf: request.query.as_of });
      const asOf = reports.reduce<string | null>((max, r) => (max === null || r.as_of > max ? r.as_of : max), null);
      return { as_of: asOf, items: rollupByProductType(reports) };
    },
  );
}
