import { describe, expect, it } from 'vitest';
import { keyedQueue } from '../../transforms/keyed-queue.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('keyedQueue', () => {
  it('runs tasks of one key one after another, after a failure too, and tasks of other keys alongside', async () => {
    const queue = keyedQueue<string>();
    const log: string[] = [];
    const task = (name: string, fail = false) => async () => {
      log.push(`${name} start`);
      await tick();
      log.push(`${name} end`);
      if (fail) throw new Error(name);
      return name;
    };
    const results = await Promise.allSettled([queue('a', task('a1', true)), queue('a', task('a2')), queue('b', task('b1'))]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual(['a1', 'a2', 'b1']);
    // a2 starts only after a1 has ended; b1 does not wait for a1.
    expect(log.indexOf('a2 start')).toBeGreaterThan(log.indexOf('a1 end'));
    expect(log.indexOf('b1 start')).toBeLessThan(log.indexOf('a1 end'));
  });
});
