/**
 * 'YYYY-MM-DD HH:MM:SS.mmm' in UTC: unambiguous for DateTime64(3, 'UTC') on
 * every ClickHouse version, whatever the server's date_time_input_format.
 * Takes epoch milliseconds or ISO-8601 text; defaults to now.
 */
export function toDateTime64(value: number | string = Date.now()): string {
  const ms = typeof value === 'number' ? value : Date.parse(value);
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}
