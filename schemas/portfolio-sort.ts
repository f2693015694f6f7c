/** Columns the portfolio can be sorted on (`band` sorts worst first: not_ready, incomplete, close, ready). */
export const PORTFOLIO_SORTS = [
  'risk',
  'band',
  'graduation_score',
  'usage_score',
  'ratio_daily',
  'ratio_weekly',
  'ratio_monthly',
  'relative_slope',
  'red_flags',
  'account_id',
  'account_name',
  'csm',
  'product',
  'product_type',
  'as_of',
  'scored_at',
] as const;
export type PortfolioSort = (typeof PORTFOLIO_SORTS)[number];
export type SortOrder = 'asc' | 'desc';
