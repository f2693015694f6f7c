import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FlagTransition } from '../schemas/flags.js';
import { matchesFilter, type FlagHub, type TransitionFilter } from './flag-hub.js';

/**
 * Server-Sent Events of flag transitions: one `flag_transition` event per
 * transition (`id:` is the transition id, `data:` its JSON message), and a
 * comment line every heartbeat so idle proxies keep the stream open. A client
 * that reconnects with `Last-Event-ID` (browsers' EventSource does so by
 * itself) first receives the transitions recorded since that one, then the
 * live ones; transitions that arrive during that catch-up are held and sent
 * after it, once each.
 */

/** Most transitions replayed to one reconnecting client. */
const RESUME_LIMIT = 10_000;

export interface SseStreams {
  open(request: FastifyRequest, reply: FastifyReply, filter: TransitionFilter): void;
  /** Ends every open stream (server shutdown). */
  closeAll(): void;
  readonly size: number;
}

export interface SseOptions {
  hub: FlagHub;
  heartbeatMs: number;
  /** Transitions recorded since a given transition id; `undefined` when the id is unknown. */
  resume?: (lastEventId: string, limit: number) => Promise<FlagTransition[] | undefined>;
  onCountChange?: (delta: number) => void;
}

export function createSseStreams(options: SseOptions): SseStreams {
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
      let closed = false;
      const write = (t: FlagTransition) => {
        if (matchesFilter(t, filter)) res.write(`event: flag_transition\nid: ${t.transition_id}\ndata: ${JSON.stringify(t)}\n\n`);
      };
      const header = request.headers['last-event-id'];
      const lastEventId = typeof header === 'string' && header.trim() !== '' ? header.trim() : undefined;
      // Live transitions are held while the missed ones are read, so none is lost or sent out of order.
      let held: FlagTransition[] | undefined = lastEventId && options.resume ? [] : undefined;
      const unsubscribe = options.hub.subscribe((t) => (held ? held.push(t) : write(t)));
      if (lastEventId && options.resume) {
        const finish = (missed: FlagTransition[] | undefined, note?: string) => {
          if (closed) return;
          if (note) res.write(`: ${note}\n\n`);
          const replayed = new Set((missed ?? []).map((t) => t.transition_id));
          for (const t of missed ?? []) write(t);
          for (const t of held ?? []) if (!replayed.has(t.transition_id)) write(t);
          held = undefined;
        };
        void options.resume(lastEventId, RESUME_LIMIT).then(
          (missed) => finish(missed, missed === undefined ? 'unknown Last-Event-ID: live transitions only' : undefined),
          () => finish(undefined, 'could not read missed transitions: live transitions only'),
        );
      }
      const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), options.heartbeatMs);
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
