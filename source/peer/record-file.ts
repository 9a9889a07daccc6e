/**
 * The small JSON records a node keeps in its state folder (seeding.json, pending-credits.json):
 * written atomically and in order, read tolerantly (a damaged record reads as empty).
 */
import { writeFileAtomically } from './node-folder.ts';

/**
 * A write begins this long after it was asked for (or after the write before it landed), and
 * every change asked for meanwhile joins it. A node that stops waits for its records (see
 * PeerNode.close); a crash loses at most this much of them.
 */
const COALESCE_MS = 100;

function coalescing(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, COALESCE_MS));
}

/**
 * Writes one small record file atomically (a temp file, then rename), one write after the other,
 * so the file ends as the last change left it. Changes asked for before a write begins share it,
 * its text rendered when it begins: `a` seeding 5,000 files wrote seeding.json 5,000 times, each
 * of every name sorted, encoded, fsynced and renamed (O(n²): the sort and the encoding alone 10 %
 * of the node's busy time, by its profile).
 */
export class QueuedFileWriter {
  private writing: Promise<string | null> = Promise.resolve(null);
  /** The next write while it has not begun: later changes join it. */
  private next: { render: () => string; done: Promise<string | null> } | null = null;

  constructor(private readonly path: string) {}

  /** The outcome of the latest write: null when it landed, else the error's message. */
  get latest(): Promise<string | null> {
    return this.writing;
  }

  /**
   * Writes what `render` returns then (the record as it stands); resolves with null once a write
   * begun after this call landed, else with the error's message.
   */
  write(render: () => string): Promise<string | null> {
    if (this.next !== null) {
      this.next.render = render;
      return this.next.done;
    }
    const next = { render, done: Promise.resolve<string | null>(null) };
    next.done = this.writing.then(coalescing).then(() => {
      this.next = null; // begun: a change from now on needs the write after this one
      return writeFileAtomically(this.path, next.render()).then(
        () => null,
        (error: Error) => error.message,
      );
    });
    this.next = next;
    this.writing = next.done;
    return next.done;
  }
}

/** Why a record's text holds no array under `field` (cut short, garbled), or null if it does. */
export function recordDamage(text: string, field: string): string | null {
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    return 'not JSON: cut short or garbled';
  }
  const value = (record as Record<string, unknown> | null)?.[field];
  return Array.isArray(value) ? null : `no "${field}" list in it`;
}

/**
 * The array under `field` of a record's text; empty when the text is not JSON or has no such
 * array (the caller still checks every element).
 */
export function recordArray(text: string, field: string): unknown[] {
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    return [];
  }
  const value = (record as Record<string, unknown> | null)?.[field];
  return Array.isArray(value) ? value : [];
}
