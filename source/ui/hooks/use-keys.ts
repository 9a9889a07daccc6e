import { type Key, useInput } from 'ink';
import { useMemo } from 'react';
import { PasteReader, splitKeys } from '../keys.ts';

/**
 * useInput, one key at a time. Ink hands keys that arrive in one read (fast typing, tmux
 * send-keys) to the handler as one string such as "jj" or "name\r"; views bound to single keys
 * would ignore it. splitKeys() delivers them one by one, Enter included. A paste (bracketed: see
 * PasteReader) is never keys: it goes to `onPaste`, or nowhere.
 */
export function useKeys(
  handler: (input: string, key: Key) => void,
  options?: { isActive?: boolean; onPaste?: (text: string, key: Key) => void },
): void {
  const pastes = useMemo(() => new PasteReader(), []);
  useInput(
    (input, key) => {
      const read = pastes.read(input, key);
      if (read?.kind === 'paste') options?.onPaste?.(read.text, read.key);
      else if (read?.kind === 'keys')
        for (const press of splitKeys(read.input, read.key)) handler(press.input, press.key);
    },
    options?.isActive === undefined ? {} : { isActive: options.isActive },
  );
}
