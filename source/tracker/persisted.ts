/**
 * The tracker's records as every store keeps them (and as nodes.json and files.json held them,
 * and `tracker export` prints them) and their checks. A record that does not match exactly is
 * left out: the tracker never starts on half-trusted state; a legacy file that does not match
 * is refused whole. Names are checked again when the state is rebuilt (see TrackerState.fromPersisted).
 */
import { MAX_FILE_SIZE_BYTES, MAX_HOST_BYTES, MAX_NAME_BYTES } from '../protocol/messages.ts';
import { MAX_DOWNLOADER_HOSTS } from './registry.ts';
import type { CreditOp } from './store/ops.ts';

/** Bumped when the layout changes; an unknown version is treated as unreadable. */
export const DB_FORMAT_VERSION = 1;

/** One node as persisted: what must survive a tracker restart. */
export interface PersistedNode {
  nodeId: number;
  /**
   * Ed25519 public key, hex: who holds the id. Absent in a record written before keys (then it
   * had `keyHash`, read and ignored): such an id goes to the first key that proves itself.
   */
  publicKey?: string;
  /** Legacy: sha256 of the old reusable node key. Never written. */
  keyHash?: string;
  uploadCredit: number;
  /** Host keys of the downloaders (on other hosts) that credited it: its rank. */
  downloaders?: string[];
  host: string;
  port: number;
  joinedAtWallMs: number;
}

/** One file as persisted. */
export interface PersistedFile {
  /** Infohash, hex. */
  infohash: string;
  name: string;
  size: number;
  owners: number[];
}

/** The whole persisted tracker. */
export interface PersistedTracker {
  nodes: PersistedNode[];
  files: PersistedFile[];
}

/** A parsed db file, or why it was refused. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const HEX_64 = /^[0-9a-f]{64}$/;
/** A download id (8 bytes, see codec-tracker.ts). */
const HEX_16 = /^[0-9a-f]{16}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isOptionalHex64(value: unknown): boolean {
  return value === undefined || (typeof value === 'string' && HEX_64.test(value));
}

/** Host keys, as many as a node remembers. */
function isOptionalHostList(value: unknown): boolean {
  return (
    value === undefined ||
    (Array.isArray(value) &&
      value.length <= MAX_DOWNLOADER_HOSTS &&
      value.every(
        (host) =>
          typeof host === 'string' && host.length > 0 && Buffer.byteLength(host) <= MAX_HOST_BYTES,
      ))
  );
}

function isUint(value: unknown, max: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= max;
}

/** True for a well-formed node record (stores check every record they read). */
export function isNode(value: unknown): value is PersistedNode {
  return (
    isRecord(value) &&
    isUint(value.nodeId, 0xffff_ffff) &&
    isOptionalHex64(value.publicKey) &&
    isOptionalHex64(value.keyHash) &&
    isOptionalHostList(value.downloaders) &&
    isUint(value.uploadCredit, Number.MAX_SAFE_INTEGER) &&
    typeof value.host === 'string' &&
    value.host.length > 0 &&
    Buffer.byteLength(value.host) <= MAX_HOST_BYTES &&
    isUint(value.port, 65_535) &&
    value.port > 0 &&
    typeof value.joinedAtWallMs === 'number' &&
    Number.isFinite(value.joinedAtWallMs)
  );
}

/** True for a well-formed ledger entry: an accepted UPDATE as a store keeps it. */
export function isCreditOp(value: unknown): value is CreditOp {
  return (
    isRecord(value) &&
    value.op === 'credit' &&
    isUint(value.senderId, 0xffff_ffff) &&
    typeof value.reporterHost === 'string' &&
    Buffer.byteLength(value.reporterHost) <= MAX_HOST_BYTES &&
    typeof value.downloadIdHex === 'string' &&
    HEX_16.test(value.downloadIdHex) &&
    typeof value.infohash === 'string' &&
    HEX_64.test(value.infohash) &&
    isUint(value.sizeBytes, MAX_FILE_SIZE_BYTES) &&
    Array.isArray(value.granted) &&
    value.granted.every(
      (credit) =>
        isRecord(credit) &&
        isUint(credit.nodeId, 0xffff_ffff) &&
        isUint(credit.bytes, MAX_FILE_SIZE_BYTES),
    )
  );
}

/** True for a well-formed file record. */
export function isFile(value: unknown): value is PersistedFile {
  return (
    isRecord(value) &&
    typeof value.infohash === 'string' &&
    HEX_64.test(value.infohash) &&
    typeof value.name === 'string' &&
    Buffer.byteLength(value.name) <= MAX_NAME_BYTES &&
    isUint(value.size, MAX_FILE_SIZE_BYTES) &&
    Array.isArray(value.owners) &&
    value.owners.every((owner) => isUint(owner, 0xffff_ffff))
  );
}

function parseList<T>(
  text: string,
  key: 'nodes' | 'files',
  isEntry: (v: unknown) => v is T,
): Parsed<T[]> {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `not JSON (${(error as Error).message})` };
  }
  if (!isRecord(root) || root.version !== DB_FORMAT_VERSION) {
    return { ok: false, reason: `not a version ${DB_FORMAT_VERSION} ${key} file` };
  }
  const list = root[key];
  if (!Array.isArray(list)) return { ok: false, reason: `no "${key}" list` };
  const bad = list.findIndex((entry) => !isEntry(entry));
  if (bad >= 0) return { ok: false, reason: `entry ${bad} of "${key}" is malformed` };
  return { ok: true, value: list as T[] };
}

/** Parses the text of nodes.json. */
export function parseNodesFile(text: string): Parsed<PersistedNode[]> {
  return parseList(text, 'nodes', isNode);
}

/** Parses the text of files.json. */
export function parseFilesFile(text: string): Parsed<PersistedFile[]> {
  return parseList(text, 'files', isFile);
}

/** The text of nodes.json. One entry per line keeps the file readable and diffable. */
export function serializeNodes(nodes: readonly PersistedNode[]): string {
  return serializeList('nodes', nodes);
}

/** The text of files.json. */
export function serializeFiles(files: readonly PersistedFile[]): string {
  return serializeList('files', files);
}

function serializeList(key: string, entries: readonly unknown[]): string {
  const lines = entries.map((entry) => `    ${JSON.stringify(entry)}`);
  const body = lines.length === 0 ? '[]' : `[\n${lines.join(',\n')}\n  ]`;
  return `{\n  "version": ${DB_FORMAT_VERSION},\n  "${key}": ${body}\n}\n`;
}
