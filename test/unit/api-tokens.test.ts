import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../schemas/config.js';

/** API_TOKENS: a bad entry is named by its position; no part of any entry appears in the message. */
describe('API_TOKENS', () => {
  const message = (value: string) => {
    try {
      loadConfig({ API_TOKENS: value });
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('expected a configuration error');
  };

  it('accepts tokens of 16 characters or more with their scopes', () => {
    const tokens = loadConfig({ API_TOKENS: 'reader-0123456789:read,writer-0123456789:read+write' }).server.tokens;
    expect(tokens).toEqual([
      { token: 'reader-0123456789', scopes: ['read'] },
      { token: 'writer-0123456789', scopes: ['read', 'write'] },
    ]);
  });

  it.each([
    ['a token shorter than 16 characters', 'good-token-0123456789:read,short-secret:read', 'short-secret', /API_TOKENS\.1: .*shorter than 16/],
    ['an entry without a colon', 'good-token-0123456789:read,no-colon-secret-0123456789', 'no-colon-secret', /API_TOKENS\.1: .*not token:scopes/],
    ['an unknown scope', 'secret-token-0123456789:admin', 'secret-token', /API_TOKENS\.0: .*read, write or read\+write/],
    ['halves swapped', 'read:secret-token-0123456789', 'secret-token', /API_TOKENS\.0: /],
  ])('names %s without echoing it', (_name, value, secret, expected) => {
    const text = message(value);
    expect(text).toMatch(expected);
    expect(text).not.toContain(secret);
    expect(text).not.toContain('0123456789');
  });
});
