import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FlagTransition } from '../schemas/flags.js';
import { matchesFilter, type FlagHub, type TransitionFilter } from './flag-hub.js';

/**
 * Server-Sent Events of flag transitions: one `flag_transition` event per
 * transition (`id:` is the transition id, `data:` its JSON message), and a
 * comment line every heartbeat so idle proxies keep the stream open. Streams
 * are live only: a client that reconnects receives transitions from then on
 * (the flags API gives the current state).
 */

export interface SseStreams {
  open(request: FastifyRequest, reply: FastifyReply, filter: TransitionFilter): void;
  /** Ends every open stream (server shutdown). */
  closeAll(): void;
  readonly size: number;
}

export function createSseStreams(options: { hub: FlagHub; heartbeatMs: number; onCountChange?: (delta: number) => void }): SseStreams {
  const streams = new Set<() => void>();
  return {
    open(request, reply, filter) {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        // Tells nginx-style proxies not to buffer the stream.
        'x-accel-buffering': 'no',
      });
      res.write('retry: 3000\n: connected\n\n');
      const send = (t: FlagTransition) => {
        if (matchesFilter(t, filter)) res.write(`event: flag_transition\nid: ${t.transition_id}\ndata: ${JSON.stringify(t)}\n\n`);
      };
      const unsubscribe = options.hub.subscribe(send);
      const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), options.heartbeatMs);
      let closed = false;
      const close = () => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        unsubscribe();
        streams.delete(close);
        options.onCountChange?.(-1);
        if (!res.writableEnded) res.end();
      };
      streams.add(close);
      options.onCountChange?.(1);
      request.raw.on('close', close);
      res.on('error', close);
    },
    closeAll() {
      for (const close of [...streams]) close();
    },
    get size() {
      return streams.size;
    },
  };
}
