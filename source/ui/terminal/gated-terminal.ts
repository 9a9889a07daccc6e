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
