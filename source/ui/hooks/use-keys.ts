import { type Key, useInput } from 'ink';

/**
 * useInput, one key at a time. Ink hands keys that arrive in one read (fast typing, a paste,
 * tmux send-keys) to the handler as one string such as "jj"; views bound to single keys would
 * ignore it. Plain characters are split and delivered one by one; keys with flags pass as is.
 */
export function useKeys(
  handler: (input: string, key: Key) => void,
  options?: { isActive?: boolean },
): void {
  useInput((input, key) => {
    const plain =
      !key.ctrl &&
      !key.meta &&
      !key.escape &&
      !key.return &&
      !key.tab &&
      !key.backspace &&
      !key.delete;
    const chars = Array.from(input);
    if (plain && chars.length > 1) for (const char of chars) handler(char, key);
    else handler(input, key);
  }, options);
}
