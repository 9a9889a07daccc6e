/**
 * The terminal streams a full-screen view renders through: stdout whose writes are dropped while
 * the view is off screen (suspended, or continued in the background), and stdin whose raw mode
 * is changed only while this process has the terminal. Ink keeps rendering off screen (engines
 * change state whenever they like); written to the shell's screen, its frames would scribble
 * over the shell, and its setRawMode() from the background would stop the process (SIGTTOU),
 * also on its way out after a `kill %1`. Everything else is the real stream's own.
 */

/** `stdout` with `write` dropped while `open()` is false. */
export function gatedStdout(stdout: NodeJS.WriteStream, open: () => boolean): NodeJS.WriteStream {
  const write = (chunk: unknown, ...rest: unknown[]): boolean => {
    if (open()) return (stdout.write as (...args: unknown[]) => boolean)(chunk, ...rest);
    const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    if (callback) process.nextTick(callback);
    return true;
  };
  return forwarding(stdout, { write });
}

/** `stdin` whose `setRawMode` does nothing while `owns()` is false. */
export function guardedStdin(stdin: NodeJS.ReadStream, owns: () => boolean): NodeJS.ReadStream {
  const setRawMode = (raw: boolean) => {
    if (stdin.isTTY && owns()) stdin.setRawMode(raw);
    return stdin;
  };
  return forwarding(stdin, { setRawMode });
}

/** The libuv stream under a Node socket (a TTY's `_handle`): `reading` is Node's own flag. */
interface ReadingHandle {
  reading: boolean;
  readStart(): number;
  readStop(): number;
}

/** Streams whose reading stopReading() stopped (and startReading() is to start again). */
const stoppedByUs = new WeakSet<NodeJS.ReadStream>();

/**
 * Stops reading the terminal. Why: a process that reads its terminal from the background is
 * stopped by it (SIGTTIN), and Node reads stdin whenever it is readable once anything listens
 * (Ink does, all the time). So a view continued with `bg` was stopped by the first key typed in
 * the shell; worse, the `fg` typed to bring it back was such a key: when the view read before
 * the shell gave it the terminal, bash (not knowing yet) sent no SIGCONT and said `Stopped`
 * again (found in CI, then in strace: read() of the tty returning ERESTARTSYS). Node has no
 * public way to stop a socket reading while something listens (`pause()` does not, with a
 * 'readable' listener), hence its handle, as Node itself stops it when its buffer is full.
 */
export function stopReading(stdin: NodeJS.ReadStream): void {
  const handle = (stdin as unknown as { _handle?: ReadingHandle })._handle;
  if (!handle?.reading) return;
  handle.reading = false;
  handle.readStop();
  stoppedByUs.add(stdin);
}

/** Reads the terminal again after stopReading(). */
export function startReading(stdin: NodeJS.ReadStream): void {
  if (!stoppedByUs.delete(stdin)) return;
  const handle = (stdin as unknown as { _handle?: ReadingHandle })._handle;
  if (!handle || handle.reading) return;
  handle.reading = true;
  handle.readStart();
}

/** A stand-in for `target` with `overrides`; its other methods run on the target itself. */
function forwarding<T extends object>(target: T, overrides: Record<string, unknown>): T {
  return new Proxy(target, {
    get(object, property) {
      if (typeof property === 'string' && Object.hasOwn(overrides, property))
        return overrides[property];
      const value = Reflect.get(object, property, object);
      return typeof value === 'function' ? value.bind(object) : value;
    },
    set(object, property, value) {
      return Reflect.set(object, property, value, object);
    },
  });
}
