/**
 * The pieces a full-screen view's Ctrl+Z stands on, without a terminal: the alternate screen
 * left and entered again, Ink's output dropped while off screen, raw mode left alone while
 * another process group has the terminal. (The real terminal: test/e2e/suspend.test.ts.)
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { enterFullScreen } from '../../source/ui/terminal/full-screen.ts';
import {
  gatedStdout,
  guardedStdin,
  startReading,
  stopReading,
} from '../../source/ui/terminal/gated-terminal.ts';

/** A stand-in terminal stream that records what is written (no fd: writes go through write()). */
class RecordingStream extends EventEmitter {
  written: string[] = [];
  columns = 100;
  isTTY = true;
  rawModes: boolean[] = [];
  write(chunk: string, callback?: () => void): boolean {
    this.written.push(chunk);
    callback?.();
    return true;
  }
  setRawMode(raw: boolean): this {
    this.rawModes.push(raw);
    return this;
  }
}

test('the screen is left and entered again around a suspension, then left for good', () => {
  const stream = new RecordingStream();
  const screen = enterFullScreen(stream as unknown as NodeJS.WriteStream);
  // Bracketed paste on with the screen, off with it (a shell given a paste in brackets would
  // see them as text).
  assert.deepEqual(stream.written, ['\x1b[?1049h\x1b[H\x1b[2J\x1b[?2004h\x1b[?25l']);
  assert.equal(screen.isShown(), true);
  screen.pause();
  screen.pause();
  assert.equal(screen.isShown(), false);
  screen.resume();
  screen.resume();
  assert.equal(screen.isShown(), true);
  screen.leave();
  screen.resume();
  screen.leave();
  assert.equal(screen.isShown(), false);
  // Each change once: paused, entered again (cleared), left; nothing after leave().
  assert.deepEqual(stream.written.slice(1), [
    '\x1b[?25h\x1b[?2004l\x1b[?1049l',
    '\x1b[?1049h\x1b[H\x1b[2J\x1b[?2004h\x1b[?25l',
    '\x1b[?25h\x1b[?2004l\x1b[?1049l',
  ]);
});

test('a paused screen left for good writes nothing more', () => {
  const stream = new RecordingStream();
  const screen = enterFullScreen(stream as unknown as NodeJS.WriteStream);
  screen.pause();
  screen.leave();
  assert.equal(stream.written.length, 2);
});

test('the gated stdout drops writes while closed, calls their callbacks, forwards the rest', async () => {
  const stream = new RecordingStream();
  let open = true;
  const stdout = gatedStdout(stream as unknown as NodeJS.WriteStream, () => open);
  stdout.write('frame 1');
  open = false;
  let called = false;
  assert.equal(
    stdout.write('frame 2', () => {
      called = true;
    }),
    true,
  );
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(called, true, 'a dropped write still completes');
  open = true;
  stdout.write('frame 3');
  assert.deepEqual(stream.written, ['frame 1', 'frame 3']);
  // Size and events are the real stream's.
  assert.equal(stdout.columns, 100);
  let resized = 0;
  stdout.on('resize', () => resized++);
  stream.emit('resize');
  assert.equal(resized, 1);
});

test('the guarded stdin changes raw mode only while this process has the terminal', () => {
  const stream = new RecordingStream();
  let owns = true;
  const stdin = guardedStdin(stream as unknown as NodeJS.ReadStream, () => owns);
  stdin.setRawMode(true);
  owns = false;
  stdin.setRawMode(false);
  owns = true;
  stdin.setRawMode(false);
  assert.deepEqual(stream.rawModes, [true, false]);
  assert.equal(stdin.isTTY, true);
});

test('the terminal is not read while the view is off screen, and read again after', () => {
  const calls: string[] = [];
  const handle = {
    reading: true,
    readStart: () => calls.push('start'),
    readStop: () => calls.push('stop'),
  };
  const stdin = Object.assign(new RecordingStream(), { _handle: handle });
  const stream = stdin as unknown as NodeJS.ReadStream;
  // Not stopped by us: nothing to start (Node stopped it, its buffer full, or never began).
  startReading(stream);
  assert.deepEqual(calls, []);
  stopReading(stream);
  assert.equal(handle.reading, false, "Node's own flag follows, so it starts it again itself");
  stopReading(stream);
  startReading(stream);
  startReading(stream);
  assert.deepEqual(calls, ['stop', 'start']);
  assert.equal(handle.reading, true);
  // No handle (not a socket): nothing to do.
  stopReading(new RecordingStream() as unknown as NodeJS.ReadStream);
});
