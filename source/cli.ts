#!/usr/bin/env node
// The first thing to run: refuse old Node with one clear line before loading modules that need
// newer syntax or APIs.
const major = Number(process.versions.node.split('.')[0]);
if (major < 20) {
  console.error(`bt-tui needs Node.js 20 or newer; this is ${process.version}.`);
  process.exit(1);
}
await import('./main.ts');
