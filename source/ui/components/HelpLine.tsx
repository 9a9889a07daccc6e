import { Text } from 'ink';
import { truncate } from '../text.ts';

export interface KeyHelp {
  keys: string;
  action: string;
}

/** The always-visible line of keys at the bottom of a view. */
export function HelpLine({ keys, width }: { keys: KeyHelp[]; width: number }) {
  const text = keys.map((key) => `${key.keys} ${key.action}`).join('  ');
  return <Text dimColor>{truncate(text, width)}</Text>;
}
