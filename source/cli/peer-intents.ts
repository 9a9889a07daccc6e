import type { PeerNode } from '../peer/peer-node.ts';
import type { SwarmDirectory } from '../peer/swarm-directory.ts';
import type { PeerIntents } from '../ui/peer/PeerApp.tsx';

/** What the peer view's keys do to a node: its intents, plus refreshing the swarm listing. */
export function peerIntents(node: PeerNode, swarm: SwarmDirectory, exit: () => void): PeerIntents {
  return {
    seed: (name) => node.seed(name),
    unseed: (name) => node.unseed(name),
    seedAll: () => node.seedAll(),
    download: (name) => node.download(name),
    cancel: (name) => node.cancel(name),
    togglePause: (name) => node.togglePause(name),
    removeDownload: (name, deletePartFile) => node.removeDownload(name, deletePartFile),
    refreshSwarm: () => swarm.refresh(),
    askAgainForOwners: () => {
      node.askAgainForOwners();
    },
    setLimit: (direction, bytesPerSec) =>
      direction === 'up' ? node.setUploadLimit(bytesPerSec) : node.setDownloadLimit(bytesPerSec),
    exit,
  };
}
