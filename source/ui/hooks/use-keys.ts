import { type Key, useInput } from 'ink';
import { splitKeys } from '../keys.ts';

/**
 * useInput, one key at a time. Ink hands keys that arrive in one read (fast typing, a paste,
 * tmux send-keys) to the handler as one string such as "jj" or "name\r"; views bound to single
 * keys would ignore it. splitKeys() delivers them one by one, Enter included.
 */
export function useKeys(
  handler: (input: string, key: Key) => void,
  options?: { isActive?: boolean },
): void {
  useInput((input, key) => {
    for (const press of splitKeys(input, key)) handler(press.input, press.key);
  }, options);
}
