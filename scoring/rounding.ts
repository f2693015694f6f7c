/** Report numbers are rounded once, and every threshold compares the rounded value, so a report can be re-checked by hand. */
export function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round((value + Number.EPSILON * Math.sign(value)) * f) / f;
}
