/**
 * The tracker database of earlier versions: tracker_db/nodes.json and files.json, each rewritten
 * whole. Read once, to migrate it into the embedded store (lmdb-store.ts) and by `tracker
 * export` when no embedded store exists yet; never written any more.
 */
import { access, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Parsed,
  type PersistedTracker,
  parseFilesFile,
  parseNodesFile,
} from '../persisted.ts';

export const NODES_FILE = 'nodes.json';
export const FILES_FILE = 'files.json';

/** The JSON database as loaded, and one sentence per problem met (for the log). */
export interface LoadedDb {
  persisted: PersistedTracker;
  notes: string[];
}

/**
 * Reads nodes.json and files.json of tracker_db/. A missing directory or file is an empty swarm. A file that cannot be parsed
 * is moved aside to `<name>.corrupt-<wallMs>` (kept for a person to inspect) and the tracker
 * starts without it: losing a swarm's registry is recoverable (nodes re-register and re-announce),
 * refusing to start is not.
 */
export async function loadJsonDb(dbDir: string, wallNowMs: number): Promise<LoadedDb> {
  const notes: string[] = [];
  const nodes = await loadOne(dbDir, NODES_FILE, parseNodesFile, wallNowMs, notes);
  const files = await loadOne(dbDir, FILES_FILE, parseFilesFile, wallNowMs, notes);
  return { persisted: { nodes: nodes ?? [], files: files ?? [] }, notes };
}

async function loadOne<T>(
  dbDir: string,
  name: string,
  parse: (text: string) => Parsed<T>,
  wallNowMs: number,
  notes: string[],
): Promise<T | null> {
  const path = join(dbDir, name);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    notes.push(`cannot read ${path} (${(error as Error).message}); starting without it`);
    return null;
  }
  const parsed = parse(text);
  if (parsed.ok) return parsed.value;
  const asidePath = `${path}.corrupt-${wallNowMs}`;
  try {
    await rename(path, asidePath);
    notes.push(
      `${path} is unreadable (${parsed.reason}); moved it to ${asidePath} and started without it`,
    );
  } catch (error) {
    notes.push(
      `${path} is unreadable (${parsed.reason}) and could not be moved aside (${(error as Error).message}); started without it`,
    );
  }
  return null;
}

/** Suffix a migrated JSON file is renamed with, so a person sees what happened to it. */
export const MIGRATED_SUFFIX = '.migrated';

/** True when nodes.json or files.json is in `dbDir`. */
export async function jsonDbExists(dbDir: string): Promise<boolean> {
  for (const name of [NODES_FILE, FILES_FILE]) {
    try {
      await access(join(dbDir, name));
      return true;
    } catch {
      // Absent: look for the other one.
    }
  }
  return false;
}

/** Renames nodes.json and files.json to `*.migrated`; returns the new names. */
export async function markJsonDbMigrated(dbDir: string): Promise<string[]> {
  const renamed: string[] = [];
  for (const name of [NODES_FILE, FILES_FILE]) {
    try {
      await rename(join(dbDir, name), join(dbDir, `${name}${MIGRATED_SUFFIX}`));
      renamed.push(`${name}${MIGRATED_SUFFIX}`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return renamed;
}
