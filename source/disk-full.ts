/**
 * Whether a write failed for want of room: the disk is full (ENOSPC) or the user's quota is
 * (EDQUOT). One test for every place that waits for room or says how to make it: a download
 * asked for on a full disk waited only on ENOSPC and failed at once on a full quota.
 */
export function isDiskFull(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}
