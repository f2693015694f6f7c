/** `invalid_json: 2, oversized: 1` for a summary line; empty when nothing was rejected. */
export function formatReasons(byReason: Partial<Record<string, number>>): string {
  return Object.entries(byReason)
    .map(([reason, n]) => `${reason}: ${n}`)
    .join(', ');
}
