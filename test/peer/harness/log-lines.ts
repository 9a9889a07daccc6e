/**
 * Log lines as nodes print and keep them: `2026-12-06T05:37:40.887Z message`. Tests compare the
 * message, and some the moment.
 */
import assert from 'node:assert/strict';

/** The message of a log line, its timestamp left out. */
export function withoutTime(line: string): string {
  return line.replace(/^\S+ /, '');
}

/** The time (epoch ms) of the first line matching `pattern`; fails the test without one. */
export function timeOf(lines: readonly string[], pattern: RegExp): number {
  const line = lines.find((candidate) => pattern.test(candidate));
  assert.ok(line !== undefined, `a line matching ${pattern}:\n${lines.join('\n')}`);
  return Date.parse(line.slice(0, line.indexOf(' ')));
}
