import type { FastifyReply } from 'fastify';

/** Whether an Accept header asks for CSV ahead of JSON (a browser's download link, `curl -H 'Accept: text/csv'`). */
export function wantsCsv(accept: string | undefined): boolean {
  if (!accept) return false;
  const types = accept.split(',').map((part) => part.split(';')[0]!.trim().toLowerCase());
  const csv = types.indexOf('text/csv');
  const json = types.indexOf('application/json');
  return csv >= 0 && (json < 0 || csv < json);
}

/** Answers with CSV text as a download (outside the route's JSON response schema). */
export function sendCsv(reply: FastifyReply, csv: string, filename: string): FastifyReply {
  return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${filename}"`).send(csv);
}
