/**
 * Sets that cost nothing while empty and no Set while they hold a few values. Most of the
 * tracker's sets hold one value (a host's node ids, a name's files, a file's owners), a few (a
 * node's files) or none (a file's partial owners, a node's downloader hosts), and a Set with its
 * hash table costs ~150-190 bytes of heap: a dozen per node were most of a tracker's memory.
 */

/**
 * No value (undefined), one value held bare, a few in an array, or a Set of many. Values must be
 * neither undefined, arrays nor Sets themselves (ids, strings, records), so the cases cannot be
 * confused. Arrays are copied on change, never changed in place.
 */
export type OneOrMany<V> = V | readonly V[] | Set<V> | undefined;

/**
 * Up to this many values an exact-size array (~70 bytes for 3) holds them instead of a Set
 * (~150 bytes and up): a node owns a few files, a file has a few owners. Scanning 8 is as quick
 * as hashing.
 */
const MAX_ARRAY_VALUES = 8;

const NO_VALUES: readonly never[] = Object.freeze([]);

/** How many values are held. */
export function countOf<V>(held: OneOrMany<V>): number {
  if (held === undefined) return 0;
  if (held instanceof Set) return held.size;
  return Array.isArray(held) ? held.length : 1;
}

/** True when `value` is one of the values held. */
export function holds<V>(held: OneOrMany<V>, value: V): boolean {
  if (held instanceof Set) return held.has(value);
  if (Array.isArray(held)) return held.includes(value);
  return held === value;
}

/** The values held, in the order they were added, uncopied: do not change them while iterating. */
export function valuesOf<V>(held: OneOrMany<V>): Iterable<V> {
  if (held === undefined) return NO_VALUES;
  if (held instanceof Set || Array.isArray(held)) return held;
  return [held as V];
}

/** `held` with `value` added: an array from the second value, a Set past MAX_ARRAY_VALUES. */
export function withValue<V>(held: OneOrMany<V>, value: V): V | readonly V[] | Set<V> {
  if (held === undefined) return value;
  if (held instanceof Set) return held.add(value);
  if (!Array.isArray(held)) return held === value ? held : [held as V, value];
  if (held.includes(value)) return held;
  // concat and toSpliced allocate exactly; a spread or filter reserves room to grow (~150 B).
  return held.length < MAX_ARRAY_VALUES ? held.concat([value]) : new Set(held).add(value);
}

/** `held` without `value`: back to an array, then bare, then undefined as values leave. */
export function withoutValue<V>(held: OneOrMany<V>, value: V): OneOrMany<V> {
  if (held instanceof Set) {
    // Back to an array only at half the bound, so a count near it does not convert each time.
    if (held.delete(value) && held.size <= MAX_ARRAY_VALUES / 2) return Array.from(held);
    return held;
  }
  if (!Array.isArray(held)) return held === value ? undefined : held;
  const index = held.indexOf(value);
  if (index < 0) return held;
  return held.length === 2 ? held[1 - index] : held.toSpliced(index, 1);
}

/** `values` held as OneOrMany (duplicates count once). */
export function oneOrManyOf<V>(values: Iterable<V>): OneOrMany<V> {
  let held: OneOrMany<V>;
  for (const value of values) held = withValue(held, value);
  return held;
}

/** Key -> values, each key's values held as OneOrMany; a key with no values is not stored. */
export class Multimap<K, V> {
  private readonly map = new Map<K, V | readonly V[] | Set<V>>();

  /** Keys with at least one value. */
  get keyCount(): number {
    return this.map.size;
  }

  /** How many values `key` has. */
  count(key: K): number {
    return countOf(this.map.get(key));
  }

  /** True when `key` has `value`. */
  has(key: K, value: V): boolean {
    return holds(this.map.get(key), value);
  }

  /** The values of `key`, uncopied: do not change this key while iterating. */
  valuesOf(key: K): Iterable<V> {
    return valuesOf(this.map.get(key));
  }

  /** Adds `value` to `key` (once: values of one key are a set). */
  add(key: K, value: V): void {
    const held = this.map.get(key);
    const grown = withValue(held, value);
    if (grown !== held) this.map.set(key, grown);
  }

  /** Removes `value` from `key`; the key goes with its last value. */
  delete(key: K, value: V): void {
    const held = this.map.get(key);
    if (held === undefined) return;
    const left = withoutValue(held, value);
    if (left === undefined) this.map.delete(key);
    else if (left !== held) this.map.set(key, left);
  }

  /** Removes `key` and returns the values it had (safe to iterate while changing this map). */
  take(key: K): Iterable<V> {
    const held = this.map.get(key);
    this.map.delete(key);
    return valuesOf(held);
  }
}
