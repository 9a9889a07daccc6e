/**
 * Credits this node still owes the tracker, kept in `<stateDir>/pending-credits.json`.
 *
 * Why: crediting the owners of a finished download (UPDATE) is how the tracker learns who
 * uploads, and a download often finishes while the tracker is down or unreachable (downloads do
 * not need it). Such an UPDATE was dropped with a log line, so the owners lost the credit for
 * good. Now the report waits here, on disk (a node stopped during the outage keeps it too), and
 * is sent again after the node is registered again (peer-node.ts says when). Sending one twice
 * is harmless: the tracker credits a download id once (credit-ledger.ts).
 *
 * Writes are atomic (temp file, then rename) and queued, as seeding.json's. A missing or damaged
 * file is an empty queue: at worst a credit is not sent, never a node that does not start.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DOWNLOAD_ID_BYTES } from '../protocol/codec-tracker.ts';
import { type Credit, INFOHASH_BYTES, MAX_UPDATE_CREDITS } from '../protocol/messages.ts';
import { validateFileName } from '../protocol/names.ts';
import { QueuedFileWriter, recordArray } from './record-file.ts';

export const PENDING_CREDITS_FILE = 'pending-credits.json';
const RECORD_VERSION = 1;
/** Reports kept at most; the oldest are dropped first (a bound on the file, not a real limit). */
export const MAX_PENDING_REPORTS = 256;

/** One UPDATE the tracker has not acknowledged. */
export interface CreditReport {
  /** The file's name here, for the log. */
  name: string;
  infohashHex: string;
  /** The download's id: the tracker credits each once. */
  downloadIdHex: string;
  credits: Credit[];
}

export class PendingCredits {
  private readonly file: QueuedFileWriter;

  private constructor(
    path: string,
    private readonly queue: CreditReport[],
  ) {
    this.file = new QueuedFileWriter(path);
  }

  static async load(stateDir: string): Promise<PendingCredits> {
    const path = join(stateDir, PENDING_CREDITS_FILE);
    const text = await readFile(path, 'utf8').catch(() => null);
    return new PendingCredits(path, text === null ? [] : parseReports(text));
  }

  /** The reports waiting, oldest first. */
  get reports(): readonly CreditReport[] {
    return this.queue;
  }

  /**
   * Keeps `report` to send later. Resolves with how many old reports were dropped to stay
   * within MAX_PENDING_REPORTS, and a write error's message or null.
   */
  async add(report: CreditReport): Promise<{ dropped: number; writeError: string | null }> {
    this.queue.push(report);
    const dropped = Math.max(0, this.queue.length - MAX_PENDING_REPORTS);
    this.queue.splice(0, dropped);
    return { dropped, writeError: await this.save() };
  }

  /** Forgets the report of this download (sent, or refused for good). */
  remove(downloadIdHex: string): Promise<string | null> {
    const index = this.queue.findIndex((report) => report.downloadIdHex === downloadIdHex);
    if (index < 0) return this.file.latest;
    this.queue.splice(index, 1);
    return this.save();
  }

  /** Settles once every change asked for so far is on disk (or failed to be). */
  get written(): Promise<string | null> {
    return this.file.latest;
  }

  /** Writes the record as it stands; resolves with a write error's message, or null. */
  save(): Promise<string | null> {
    return this.file.write(
      () => `${JSON.stringify({ version: RECORD_VERSION, reports: this.queue })}\n`,
    );
  }
}

/** The well-formed reports of a file's text; anything else counts as nothing pending. */
function parseReports(text: string): CreditReport[] {
  return recordArray(text, 'reports').filter(isReport).slice(-MAX_PENDING_REPORTS);
}

const HEX = /^[0-9a-f]+$/;

function isReport(value: unknown): value is CreditReport {
  const report = value as Partial<CreditReport> | null;
  return (
    typeof report?.name === 'string' &&
    validateFileName(report.name) === null &&
    typeof report.infohashHex === 'string' &&
    report.infohashHex.length === INFOHASH_BYTES * 2 &&
    HEX.test(report.infohashHex) &&
    typeof report.downloadIdHex === 'string' &&
    report.downloadIdHex.length === DOWNLOAD_ID_BYTES * 2 &&
    HEX.test(report.downloadIdHex) &&
    Array.isArray(report.credits) &&
    report.credits.length > 0 &&
    report.credits.length <= MAX_UPDATE_CREDITS &&
    report.credits.every(isCredit)
  );
}

function isCredit(value: unknown): value is Credit {
  const credit = value as Partial<Credit> | null;
  return (
    Number.isSafeInteger(credit?.nodeId) &&
    credit!.nodeId! > 0 &&
    Number.isSafeInteger(credit!.bytes) &&
    credit!.bytes! > 0
  );
}
