/**
 * A real redis-server (the Debian package; `.ci/run` installs it) for one test file: its own
 * free loopback port, nothing saved to disk but what a SAVE asks for, stopped by its PID.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** A running redis-server. */
export interface RedisServer {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

async function freeTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Starts redis-server (on `port`, or a free one) and resolves once it accepts connections. With
 * `dir`, its RDB file is there: a SAVE writes it and a server started again on `dir` loads it.
 */
export async function startRedisServer(port?: number, dir?: string): Promise<RedisServer> {
  port ??= await freeTcpPort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  if (dir !== undefined) args.push('--dir', dir);
  const child: ChildProcess = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.on('error', (error) =>
      reject(
        new Error(`redis-server did not start (apt-get install redis-server): ${error.message}`),
      ),
    );
    child.on('exit', (code) => reject(new Error(`redis-server exited (${code}):\n${output}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve();
    });
  });
  child.removeAllListeners('exit');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid!,
    stop: async () => {
      process.kill(child.pid!, 'SIGTERM');
      await exited;
    },
  };
}
