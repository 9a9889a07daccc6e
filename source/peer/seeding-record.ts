/**
 * What this node seeds, kept in `<stateDir>/seeding.json`, so a restarted node seeds the same
 * files again (as rtorrent and Transmission users expect). Writes are atomic (a uniquely named
 * temp file, then rename) and queued, so they land in the order the changes happened.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { validateFileName } from '../protocol/names.ts';
import { QueuedFileWriter, recordArray, recordDamage } from './record-file.ts';

export const SEEDING_RECORD_FILE = 'seeding.json';
const RECORD_VERSION = 1;

/** The seeded names of one node folder, as last saved. */
export class SeedingRecord {
  private readonly file: QueuedFileWriter;

  private constructor(
    path: string,
    private readonly seeding: Set<string>,
    /** Why the record on disk could not be read, or null (see load). */
    readonly damage: string | null,
  ) {
    this.file = new QueuedFileWriter(path);
  }

  /**
   * Reads `<stateDir>/seeding.json`. A missing or damaged record is an empty one: the worst
   * case is a file the user seeds again by hand, never a node that does not start. A damaged
   * one says why (`damage`): until 2026-12-07 the node seeded nothing without a word (found by
   * a session, a record cut short).
   */
  static async load(stateDir: string): Promise<SeedingRecord> {
    const path = join(stateDir, SEEDING_RECORD_FILE);
    const text = await readFile(path, 'utf8').catch(() => null);
    const damage = text === null ? null : recordDamage(text, 'seeding');
    return new SeedingRecord(path, new Set(text === null ? [] : parseNames(text)), damage);
  }

  /** The recorded names, sorted. */
  get names(): string[] {
    return [...this.seeding].sort();
  }

  /** Records `name` as seeded; resolves with a write error's message, or null. */
  add(name: string): Promise<string | null> {
    if (this.seeding.has(name)) return this.file.latest;
    this.seeding.add(name);
    return this.save();
  }

  /** Forgets `name`; resolves with a write error's message, or null. */
  remove(name: string): Promise<string | null> {
    if (!this.seeding.delete(name)) return this.file.latest;
    return this.save();
  }

  /** Settles once every change asked for so far is on disk (or failed to be). */
  get written(): Promise<string | null> {
    return this.file.latest;
  }

  /** Writes the record as it stands; resolves with a write error's message, or null. */
  save(): Promise<string | null> {
    return this.file.write(
      () => `${JSON.stringify({ version: RECORD_VERSION, seeding: this.names })}\n`,
    );
  }
}

/** The valid names of a record's text; anything malformed counts as nothing recorded. */
function parseNames(text: string): string[] {
  return recordArray(text, 'seeding').filter(
    (name): name is string => typeof name === 'string' && validateFileName(name) === null,
  );
}
