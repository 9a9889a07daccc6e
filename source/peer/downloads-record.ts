/**
 * The downloads this node was asked for and has not finished, kept in
 * `<stateDir>/downloads.json`, so a node that is stopped (`q`, Ctrl-C, SIGTERM) or killed in the
 * middle of its downloads takes them up again when it starts, as Transmission and rtorrent do.
 *
 * A download leaves the record when it is done, when it fails (the failure was shown; asking
 * again still resumes from its part file), and when a person cancels or removes it. The node's
 * own exit keeps it. A download paused by a person comes back paused.
 *
 * Writes are atomic and queued, as seeding.json's. A missing or damaged record is an empty one:
 * at worst a download is asked for again by hand (resumed from its part file), never a node
 * that does not start.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDownloadTarget } from './download/download-target.ts';
import { QueuedFileWriter, recordArray, recordDamage } from './record-file.ts';

export const DOWNLOADS_RECORD_FILE = 'downloads.json';
const RECORD_VERSION = 1;

/** One unfinished download, as it was asked for. */
export interface RecordedDownload {
  /** The file's name: the key (a node downloads one file of a name at a time). */
  name: string;
  /** What was asked: the name, or `NAME@PREFIX` for one of several files of that name. */
  target: string;
  /** Paused by a person. */
  paused: boolean;
  /** The file's infohash (hex) once found: a next start tells its finished file by it. */
  infohashHex?: string;
}

export class DownloadsRecord {
  private readonly file: QueuedFileWriter;
  /**
   * Each name's place in the order of asking. A download is recorded once its file is found,
   * and files are found in whatever order the tracker answers: recorded in that order, a restart
   * took them up in another order than a person asked for them (a test failed on it under load).
   */
  private readonly places = new Map<string, number>();
  private nextPlace = 0;

  private constructor(
    path: string,
    /** By name, in the order they were asked for (the order they are taken up again). */
    private readonly downloads: Map<string, RecordedDownload>,
    /** Why the record on disk could not be read, or null (see load). */
    readonly damage: string | null,
  ) {
    this.file = new QueuedFileWriter(path);
    for (const name of downloads.keys()) this.asked(name);
  }

  /**
   * Reads `<stateDir>/downloads.json`; a damaged one says why (`damage`): until 2026-12-07 a
   * record cut short took nothing up without a word, its part files left (found by a session).
   */
  static async load(stateDir: string): Promise<DownloadsRecord> {
    const path = join(stateDir, DOWNLOADS_RECORD_FILE);
    const text = await readFile(path, 'utf8').catch(() => null);
    const downloads = new Map<string, RecordedDownload>();
    const { entries, bad } = text === null ? { entries: [], bad: 0 } : parseEntries(text);
    for (const entry of entries) downloads.set(entry.name, entry);
    let damage = text === null ? null : recordDamage(text, 'downloads');
    if (damage === null && bad > 0)
      damage = `${bad === 1 ? '1 entry' : `${bad} entries`} not a download it can take up`;
    return new DownloadsRecord(path, downloads, damage);
  }

  /** The recorded downloads, in the order they were asked for. */
  get entries(): RecordedDownload[] {
    const place = (name: string) => this.places.get(name) ?? Number.MAX_SAFE_INTEGER;
    return [...this.downloads.values()].sort((a, b) => place(a.name) - place(b.name));
  }

  /** Notes that `name` was asked for (a place kept from an earlier ask stands), before `add`. */
  asked(name: string): void {
    if (!this.places.has(name)) this.places.set(name, this.nextPlace++);
  }

  /** Records a download whose file was found; resolves with a write error's message, or null. */
  add(name: string, target: string, paused: boolean, infohashHex?: string): Promise<string | null> {
    const known = this.downloads.get(name);
    if (known?.target === target && known.paused === paused && known.infohashHex === infohashHex)
      return this.file.latest;
    this.downloads.delete(name);
    this.downloads.set(name, { name, target, paused, ...(infohashHex ? { infohashHex } : {}) });
    return this.save();
  }

  /** Whether the download of `name` is recorded as asked by `target`. */
  has(name: string, target: string): boolean {
    return this.downloads.get(name)?.target === target;
  }

  /** Whether a download of `name` is recorded, for the next start to take up. */
  holds(name: string): boolean {
    return this.downloads.has(name);
  }

  /** Records that a person paused or resumed the download of `name`. */
  setPaused(name: string, paused: boolean): Promise<string | null> {
    const known = this.downloads.get(name);
    if (known === undefined || known.paused === paused) return this.file.latest;
    known.paused = paused;
    return this.save();
  }

  /** Forgets the download of `name`; resolves with a write error's message, or null. */
  remove(name: string): Promise<string | null> {
    this.places.delete(name);
    if (!this.downloads.delete(name)) return this.file.latest;
    return this.save();
  }

  /** Settles once every change asked for so far is on disk (or failed to be). */
  get written(): Promise<string | null> {
    return this.file.latest;
  }

  /** Writes the record as it stands; resolves with a write error's message, or null. */
  save(): Promise<string | null> {
    return this.file.write(() => {
      const downloads = this.entries.map(({ target, paused, infohashHex }) =>
        infohashHex ? { target, paused, infohash: infohashHex } : { target, paused },
      );
      return `${JSON.stringify({ version: RECORD_VERSION, downloads })}\n`;
    });
  }
}

/** The valid entries of a record's text, and how many were not; a malformed one is left out. */
function parseEntries(text: string): { entries: RecordedDownload[]; bad: number } {
  const entries: RecordedDownload[] = [];
  let bad = 0;
  for (const item of recordArray(text, 'downloads')) {
    const { target, paused, infohash } = (item ?? {}) as Record<string, unknown>;
    const parsed = typeof target === 'string' ? parseDownloadTarget(target) : null;
    if (parsed?.ok !== true) {
      bad++;
      continue;
    }
    const entry: RecordedDownload = {
      name: parsed.target.name,
      target: target as string,
      paused: paused === true,
    };
    if (typeof infohash === 'string' && /^[0-9a-f]{64}$/.test(infohash))
      entry.infohashHex = infohash;
    entries.push(entry);
  }
  return { entries, bad };
}
