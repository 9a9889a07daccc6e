/**
 * The exit status of a tracker that stopped: 1, said on stderr, when its store could not take
 * every change (a full disk, Redis gone): a service manager or script sees the swarm's state
 * on disk is older than the tracker's last answers.
 */
export function notWrittenExit(written: boolean, storeLocation: string): number {
  if (written) return 0;
  console.error(
    `bt-tui: the tracker stopped with changes ${storeLocation} could not take (see tracker.log); a restart restores the swarm as last written`,
  );
  return 1;
}
