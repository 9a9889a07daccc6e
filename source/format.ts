/** How numbers read to a person: one place, shared by the logs, the headless lines and the views. */
import type { RemoteAddress } from './net/transport.ts';

const SIZE_UNITS = ['KiB', 'MiB', 'GiB', 'TiB'] as const;

/**
 * Bytes in binary units with one decimal: `512 B`, `1.5 KiB`, `256.0 MiB`. One rule: the
 * largest unit in which the number, as shown, stays below 1024, so a size just under 1 GiB
 * reads `1.0 GiB`, never `1024.0 MiB`.
 */
export function formatSize(sizeBytes: number): string {
  if (sizeBytes < 1024) return `${sizeBytes} B`;
  let value = sizeBytes / 1024;
  let unit = 0;
  while (Number(value.toFixed(1)) >= 1024 && unit < SIZE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${SIZE_UNITS[unit]}`;
}

/** A transfer rate: `312.4 MiB/s`. */
export function formatRate(bytesPerSec: number): string {
  return `${formatSize(Math.round(bytesPerSec))}/s`;
}

/** `host:port`, with IPv6 hosts in brackets. */
export function formatAddress(address: RemoteAddress): string {
  return address.address.includes(':')
    ? `[${address.address}]:${address.port}`
    : `${address.address}:${address.port}`;
}

/** `20 s`: whole seconds by default; `decimals` for configured periods that may be short. */
export function formatSeconds(ms: number, decimals = 0): string {
  const value = ms / 1000;
  return `${decimals === 0 ? Math.floor(value) : Number(value.toFixed(decimals))} s`;
}

/** A short duration: `45s`, `3m05s`, `2h04m`, `3d07h`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h${String(minutes % 60).padStart(2, '0')}m`;
  return `${Math.floor(hours / 24)}d${String(hours % 24).padStart(2, '0')}h`;
}

/** The short infohash people see: its first 8 hex digits. */
export function shortInfohash(infohashHex: string): string {
  return infohashHex.slice(0, 8);
}
