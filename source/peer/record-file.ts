/**
 * The small JSON records a node keeps in its state folder (seeding.json, pending-credits.json):
 * written atomically and in order, read tolerantly (a damaged record reads as empty).
 */
import { writeFileAtomically } from './node-folder.ts';

/**
 * Writes one small record file atomically (a temp file, then rename), one write after the other
 * in the order they were asked for, so the file ends as the last change left it.
 */
export class QueuedFileWriter {
  private writing: Promise<string | null> = Promise.resolve(null);

  constructor(private readonly path: string) {}

  /** The outcome of the latest write: null when it landed, else the error's message. */
  get latest(): Promise<string | null> {
    return this.writing;
  }

  /** Queues `text` as the file's next content; resolves as `latest` does. */
  write(text: string): Promise<string | null> {
    this.writing = this.writing.then(() =>
      writeFileAtomically(this.path, text).then(
        () => null,
        (error: Error) => error.message,
      ),
    );
    return this.writing;
  }
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
