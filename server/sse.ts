import type { FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CODES, ReadinessError } from '../schemas/errors.js';
import type { FlagTransition } from '../schemas/flags.js';
import { matchesFilter, type FlagHub, type TransitionFilter } from './flag-hub.js';

/**
 * Server-Sent Events of flag transitions: one `flag_transition` event per
 * transition (`id:` is the transition id, `data:` its JSON message), and a
 * comment line every heartbeat so idle proxies keep the stream open. A client
 * that reconnects with `Last-Event-ID` first receives the transitions recorded
 * since that one, then the live ones; transitions that arrive during that
 * catch-up are held and sent after it, once each.
 *
 * Under load: at most `maxClients` streams are open (more: 503), a client
 * that leaves more than `maxBufferBytes` unread is dropped (it reconnects
 * with Last-Event-ID and catches up), and resumes share their store reads —
 * clients resuming from the same id share one read, and at most
 * RESUME_CONCURRENCY reads run at once — so a reconnect storm after a restart
 * leaves room for every other request.
 */

/** Most transitions replayed to one reconnecting client. */
const RESUME_LIMIT = 10_000;
/** Store reads for resumes in flight at once; the rest wait their turn. */
const RESUME_CONCURRENCY = 2;
/** Replayed events written per event-loop turn, so a reconnect storm does not starve requests. */
const REPLAY_BATCH = 200;

export interface SseStreams {
  /** Opens a stream, or throws TOO_MANY_STREAMS (503) when the cap is reached. */
  open(request: FastifyRequest, reply: FastifyReply, filter: TransitionFilter): void;
  /** Ends every open stream (server shutdown). */
  closeAll(): void;
  readonly size: number;
}

export interface SseOptions {
  hub: FlagHub;
  heartbeatMs: number;
  maxClients: number;
  maxBufferBytes: number;
  /** Transitions recorded since a given transition id; `undefined` when the id is unknown. */
  resume?: (lastEventId: string, limit: number) => Promise<FlagTransition[] | undefined>;
  onCountChange?: (delta: number) => void;
  /** A client dropped for not reading its stream. */
  onSlowClient?: () => void;
}

/** One event, serialised once however many streams it goes to. */
interface Frame {
  transition: FlagTransition;
  text: string;
}

const frameOf = (t: FlagTransition): Frame => ({ transition: t, text: `event: flag_transition\nid: ${t.transition_id}\ndata: ${JSON.stringify(t)}\n\n` });

/** Runs at most `limit` tasks at once, the others in arrival order. */
function limiter(limit: number) {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

export function createSseStreams(options: SseOptions): SseStreams {
  const streams = new Set<() => void>();
  const limit = limiter(RESUME_CONCURRENCY);
  /** Resume reads in flight by Last-Event-ID: clients resuming from the same id share one. */
  const reads = new Map<string, Promise<Frame[] | undefined>>();
  const readSince = (lastEventId: string): Promise<Frame[] | undefined> => {
    let read = reads.get(lastEventId);
    if (!read) {
      const resume = options.resume!;
      read = limit(() => resume(lastEventId, RESUME_LIMIT)).then((missed) => missed?.map(frameOf));
      reads.set(lastEventId, read);
      const forget = () => reads.delete(lastEventId);
      read.then(forget, forget);
    }
    return read;
  };
  return {
    open(request, reply, filter) {
      if (streams.size >= options.maxClients) {
        void reply.header('retry-after', '5');
        throw new ReadinessError(ERROR_CODES.TOO_MANY_STREAMS, `this service already serves ${options.maxClients} event streams (SSE_MAX_CLIENTS); retry later`, {
          canRetry: true,
        });
      }
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        // Tells nginx-style proxies not to buffer the stream.
        'x-accel-buffering': 'no',
      });
      const header = request.headers['last-event-id'];
      const lastEventId = typeof header === 'string' && header.trim() !== '' ? header.trim() : undefined;
      const resuming = lastEventId !== undefined && options.resume !== undefined;
      // Live transitions are held while the missed ones are read, so none is lost or sent out of order.
      let held: FlagTransition[] | undefined = resuming ? [] : undefined;
      let closed = false;
      const unsubscribe = options.hub.subscribe((t) => {
        if (!held) return write(frameOf(t));
        held.push(t);
        // A client still catching up that falls this far behind is dropped like a slow reader.
        if (held.length > RESUME_LIMIT) dropSlow();
      });
      const heartbeat = setInterval(() => send(': heartbeat\n\n'), options.heartbeatMs);
      streams.add(close);
      options.onCountChange?.(1);
      request.raw.on('close', close);
      res.on('error', close);

      function close() {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        unsubscribe();
        streams.delete(close);
        options.onCountChange?.(-1);
        if (!res.writableEnded) res.end();
      }
      function dropSlow() {
        options.onSlowClient?.();
        close();
        res.destroy();
      }
      function send(text: string) {
        if (closed) return;
        res.write(text);
        // A client that does not read would make this process hold every event for it.
        if (res.writableLength > options.maxBufferBytes) dropSlow();
      }
      function write(frame: Frame) {
        if (matchesFilter(frame.transition, filter)) send(frame.text);
      }

      send('retry: 3000\n: connected\n\n');
      if (lastEventId !== undefined && resuming) {
        // Replay follows the client's pace (waits for 'drain'), in slices that let other work run.
        const replay = async (missed: Frame[] | undefined, note?: string) => {
          if (note) send(`: ${note}\n\n`);
          const frames = (missed ?? []).filter((f) => matchesFilter(f.transition, filter));
          for (let i = 0; i < frames.length && !closed; i++) {
            if (i % REPLAY_BATCH === 0) await new Promise<void>((resolve) => setImmediate(resolve));
            if (!closed && !res.write(frames[i]!.text)) await new Promise<void>((resolve) => (res.once('drain', resolve), res.once('close', resolve)));
          }
          if (closed) return;
          const replayed = new Set((missed ?? []).map((f) => f.transition.transition_id));
          const live = held ?? [];
          held = undefined;
          for (const t of live) if (!replayed.has(t.transition_id)) write(frameOf(t));
        };
        void readSince(lastEventId).then(
          (missed) => replay(missed, missed === undefined ? 'unknown Last-Event-ID: live transitions only' : undefined),
          () => replay(undefined, 'could not read missed transitions: live transitions only'),
        );
      }
    },
    closeAll() {
      for (const close of [...streams]) close();
    },
    get size() {
      return streams.size;
    },
  };
}
