/**
 * Every downloader is also an uploader: once a download has verified and written its first piece,
 * the node serves it from the part file (only the pieces it has, see Seeder.addPartial), tells
 * the tracker it is a partial owner, and tells the peers watching the file of each new piece
 * (HAVE). When the download completes the node seeds the whole file as usual (the same served
 * entry becomes complete); when it is cancelled or fails, the partial ownership is withdrawn.
 */
import type { Download } from './download/download.ts';
import type { Seeder } from './seeder.ts';
import type { TrackerClient } from './tracker-client.ts';

interface PartialSeed {
  /** Resolves true once the part file is served and announced; false if it could not be. */
  ready: Promise<boolean>;
  infohashHex: string;
}

export class PartialSeeding {
  private readonly seeds = new Map<Download, PartialSeed>();
  /** Downloads the tracker acknowledged as partial owners (it counts this node among them). */
  private readonly announced = new Set<Download>();

  constructor(
    private readonly deps: {
      seeder: Seeder;
      tracker: TrackerClient;
      log(text: string): void;
      /** A download became, or stopped being, a partial owner the tracker knows of. */
      changed(): void;
    },
  ) {}

  /** The tracker counts this node among the owners of the download's file (OWN partial acked). */
  isAnnounced(download: Download): boolean {
    return this.announced.has(download);
  }

  /** The download has verified pieces on disk (a new one, or resumed ones at its start). */
  piecesReadable(download: Download, newPiece: number | null): void {
    let seed = this.seeds.get(download);
    if (seed === undefined) {
      const transfer = download.transfer;
      if (transfer === null || transfer.written.count === 0) return;
      seed = { ready: this.start(download), infohashHex: transfer.infohash.toString('hex') };
      this.seeds.set(download, seed);
    }
    if (newPiece !== null) this.deps.seeder.noteHave(seed.infohashHex, newPiece);
  }

  /**
   * The download ended. Done: the caller seeds the complete file (the entry is upgraded, the
   * tracker told 'complete'). Otherwise the partial ownership is withdrawn, unless the node is
   * leaving the swarm anyway (EXIT withdraws everything at once).
   */
  async settled(download: Download, leaving: boolean): Promise<void> {
    const seed = this.seeds.get(download);
    if (seed === undefined) return;
    this.seeds.delete(download);
    if (this.announced.delete(download)) this.deps.changed();
    if (download.state === 'done' || !(await seed.ready)) return;
    await this.deps.seeder.remove(seed.infohashHex);
    if (!leaving) await this.tell(download, 'withdrawn');
  }

  /** Announces every partial file again (the tracker restarted and lost our session). */
  async reannounce(): Promise<void> {
    // All at once: announced together, they go to the tracker together (OwnBatcher).
    const told = [...this.seeds].map(async ([download, seed]) => {
      if (await seed.ready) await this.tell(download, 'partial');
    });
    await Promise.all(told);
  }

  private async start(download: Download): Promise<boolean> {
    const transfer = download.transfer!;
    const metainfo = download.metainfo!;
    try {
      await this.deps.seeder.addPartial(
        {
          name: download.name,
          path: download.options.paths.partPath,
          sizeBytes: metainfo.sizeBytes,
          metainfo,
          encoded: download.metainfoBytes!,
          infohash: transfer.infohash,
        },
        transfer.written,
      );
    } catch (error) {
      this.deps.log(
        `${download.name}: cannot serve its verified pieces: ${(error as Error).message}`,
      );
      return false;
    }
    if (await this.tell(download, 'partial')) {
      this.announced.add(download);
      this.deps.changed();
    }
    return true;
  }

  /** OWN partial (we serve some pieces) or withdrawn (no longer); false, and logged, if it failed. */
  private async tell(download: Download, state: 'partial' | 'withdrawn'): Promise<boolean> {
    const { transfer, metainfo } = download;
    if (transfer === null || metainfo === null) return false;
    const size = metainfo.sizeBytes;
    const outcome = await this.deps.tracker.own(transfer.infohash, download.name, size, state);
    if (!outcome.ok)
      this.deps.log(`${download.name}: the tracker was not told (${state}): ${outcome.reason}`);
    return outcome.ok;
  }
}
