// `npm run dev`: TypeScript compiles in watch mode, and after every compile without errors the
// service restarts on what it compiled (the previous run stopped first, its embedded PostgreSQL
// with it). The environment is the caller's: without DATABASE_URL, the embedded database.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const CLEAN_COMPILE = /Found 0 errors\. Watching for file changes/;

let service;
let restarting = Promise.resolve();

function start() {
  service = spawn(process.execPath, ['--enable-source-maps', 'dist/src/main.js'], {
    stdio: 'inherit',
  });
}

function stop() {
  const running = service;
  service = undefined;
  if (!running || running.exitCode !== null || running.signalCode !== null)
    return Promise.resolve();
  return new Promise((resolve) => {
    running.once('exit', resolve);
    running.kill('SIGTERM');
  });
}

const compiler = spawn(
  process.execPath,
  [tsc, '-p', 'tsconfig.build.json', '--watch', '--preserveWatchOutput'],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
compiler.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  if (CLEAN_COMPILE.test(chunk.toString())) restarting = restarting.then(stop).then(start);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    compiler.kill('SIGTERM');
    restarting.then(stop).then(() => process.exit(0));
  });
}
