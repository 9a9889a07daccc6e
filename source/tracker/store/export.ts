/**
 * `bt-tui tracker export`: the swarm a store holds as one JSON object, `{"nodes": [...],
 * "files": [...]}`, records in the shapes README documents (those nodes.json and files.json
 * had), one record per line so people and scripts can read and diff it. Read-only: it can run
 * beside a live tracker (LMDB readers never block the writer).
 */
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock } from '../../clock.ts';
import { type PersistedTracker, parseFilesFile, parseNodesFile } from '../persisted.ts';
import { TrackerState } from '../tracker-state.ts';
import { FILES_FILE, NODES_FILE } from './json-files.ts';
import { LMDB_FILE, notLmdbReason, openLmdbTables, readLmdbRecords } from './lmdb-store.ts';

/** The exported text, or why there is none (one sentence). */
export type ExportOutcome = { ok: true; text: string } | { ok: false; message: string };

/** Reads the embedded store in `dbDir` (or, before its first start, nodes.json/files.json). */
export async function exportEmbedded(dbDir: string): Promise<ExportOutcome> {
  const lmdbPath = join(dbDir, LMDB_FILE);
  if (await exists(lmdbPath)) {
    const reason = await notLmdbReason(lmdbPath);
    if (reason) return { ok: false, message: `cannot read ${lmdbPath}: ${reason}` };
    let tables: ReturnType<typeof openLmdbTables> | null = null;
    try {
      tables = openLmdbTables(dbDir, true);
      return { ok: true, text: formatExport(readLmdbRecords(tables).persisted) };
    } catch (error) {
      return { ok: false, message: `cannot read ${lmdbPath}: ${(error as Error).message}` };
    } finally {
      await tables?.root.close();
    }
  }
  if (await exists(join(dbDir, NODES_FILE))) return exportJson(dbDir);
  return { ok: false, message: `no tracker database in ${dbDir} (no ${LMDB_FILE})` };
}

/** Bounds of the state an export rebuilds: whatever the store holds. */
const EXPORT_LIMITS = { maxNodes: 2 ** 32, maxFiles: 2 ** 32, maxFilesPerNode: 2 ** 32 };

/** Reads a swarm shared through Redis, rebuilt as a tracker rebuilds it at start. */
export async function exportShared(url: string): Promise<ExportOutcome> {
  // Loaded only here: ioredis costs ~200 ms of start-up an embedded export never needs.
  const { RedisStore } = await import('./redis-store.ts');
  const store = new RedisStore({ url, clock: systemClock, trackerId: 'export', readOnly: true });
  try {
    const loaded = await store.load(systemClock.wallNow());
    const state = new TrackerState(
      { ...EXPORT_LIMITS, sweepIntervalMs: 60_000 },
      () => Buffer.alloc(0),
      systemClock,
    );
    state.applyRemote(loaded.ops, systemClock.now());
    return { ok: true, text: formatExport(state.toPersisted()) };
  } catch (error) {
    return { ok: false, message: `cannot read ${url}: ${(error as Error).message}` };
  } finally {
    await store.close().catch(() => {});
  }
}

async function exportJson(dbDir: string): Promise<ExportOutcome> {
  const persisted: PersistedTracker = { nodes: [], files: [] };
  const nodes = parseNodesFile(await readFile(join(dbDir, NODES_FILE), 'utf8'));
  if (!nodes.ok) return { ok: false, message: `${join(dbDir, NODES_FILE)}: ${nodes.reason}` };
  persisted.nodes = nodes.value;
  if (await exists(join(dbDir, FILES_FILE))) {
    const files = parseFilesFile(await readFile(join(dbDir, FILES_FILE), 'utf8'));
    if (!files.ok) return { ok: false, message: `${join(dbDir, FILES_FILE)}: ${files.reason}` };
    persisted.files = files.value;
  }
  return { ok: true, text: formatExport(persisted) };
}

/** Nodes by id, files by name then infohash; one record per line. */
export function formatExport(persisted: PersistedTracker): string {
  const nodes = [...persisted.nodes].sort((a, b) => a.nodeId - b.nodeId);
  const files = [...persisted.files].sort(
    (a, b) => compare(a.name, b.name) || compare(a.infohash, b.infohash),
  );
  const list = (entries: readonly unknown[]) =>
    entries.length === 0
      ? '[]'
      : `[\n${entries.map((e) => `  ${JSON.stringify(e)}`).join(',\n')}\n]`;
  return `{"nodes": ${list(nodes)},\n"files": ${list(files)}}\n`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
