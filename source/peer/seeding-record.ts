/**
 * What this node seeds, kept in `<stateDir>/seeding.json`, so a restarted node seeds the same
 * files again (as rtorrent and Transmission users expect). Writes are atomic (a uniquely named
 * temp file, then rename) and queued, so they land in the order the changes happened.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { validateFileName } from '../protocol/names.ts';
import { writeFileAtomically } from './node-folder.ts';

export const SEEDING_RECORD_FILE = 'seeding.json';
const RECORD_VERSION = 1;

/** The seeded names of one node folder, as last saved. */
export class SeedingRecord {
  private writing: Promise<string | null> = Promise.resolve(null);

  private constructor(
    private readonly path: string,
    private readonly seeding: Set<string>,
  ) {}

  /**
   * Reads `<stateDir>/seeding.json`. A missing or damaged record is an empty one: the worst
   * case is a file the user seeds again by hand, never a node that does not start.
   */
  static async load(stateDir: string): Promise<SeedingRecord> {
    const path = join(stateDir, SEEDING_RECORD_FILE);
    const text = await readFile(path, 'utf8').catch(() => null);
    return new SeedingRecord(path, new Set(text === null ? [] : parseNames(text)));
  }

  /** The recorded names, sorted. */
  get names(): string[] {
    return [...this.seeding].sort();
  }

  /** Records `name` as seeded; resolves with a write error's message, or null. */
  add(name: string): Promise<string | null> {
    if (this.seeding.has(name)) return this.writing;
    this.seeding.add(name);
    return this.save();
  }

  /** Forgets `name`; resolves with a write error's message, or null. */
  remove(name: string): Promise<string | null> {
    if (!this.seeding.delete(name)) return this.writing;
    return this.save();
  }

  private save(): Promise<string | null> {
    const text = `${JSON.stringify({ version: RECORD_VERSION, seeding: this.names })}\n`;
    this.writing = this.writing.then(() =>
      writeFileAtomically(this.path, text).then(
        () => null,
        (error: Error) => error.message,
      ),
    );
    return this.writing;
  }
}

/** The valid names of a record's text; anything malformed counts as nothing recorded. */
function parseNames(text: string): string[] {
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    return [];
  }
  const seeding = (record as { seeding?: unknown } | null)?.seeding;
  if (!Array.isArray(seeding)) return [];
  return seeding.filter(
    (name): name is string => typeof name === 'string' && validateFileName(name) === null,
  );
}
