// The benches' node processes keep the memory they free. A first touch of a page costs about
// 14 µs on the machines these figures come from (a first write over 64 MiB took 236 ms, the same
// write again 0.6 ms), and glibc's malloc hands large blocks back to the kernel when they are
// freed (mmap'ed above a threshold that it moves as the process runs, and a heap trimmed past
// another): a call whose output (or whose read-back copy) lands on returned memory then pays
// for faulting every page in again, hundreds of them for a layer's output, the same for the
// handmade kernel and the built-in, which pushes both towards the same time and the ratio
// towards 1, in phases that come and go with glibc's thresholds. With both thresholds fixed
// high, freed blocks are reused, and the figures are the kernels'. glibc reads them at start,
// so the bench starts itself again with them set (on Linux, where glibc's names apply).

import {spawnSync} from 'child_process';

const SETTINGS: Record<string, string> = {
  MALLOC_MMAP_THRESHOLD_: String(2 ** 32 - 1),
  MALLOC_TRIM_THRESHOLD_: String(2 ** 32 - 1),
};

/** Whether this process already runs with SETTINGS (or needs none); otherwise runs the same
 *  script again with them, in a child process that inherits stdio, and exits with its code. */
export function withKeptMemory(): void {
  if (process.platform !== 'linux') return;
  if (Object.entries(SETTINGS).every(([k, v]) => process.env[k] === v)) return;
  const child = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: {...process.env, ...SETTINGS},
  });
  process.exit(child.status ?? 1);
}

/** What the bench's header says of it. */
export function keptMemoryNote(): string {
  return process.env.MALLOC_TRIM_THRESHOLD_ === SETTINGS.MALLOC_TRIM_THRESHOLD_
    ? "- memory: node ran with glibc's MALLOC_MMAP_THRESHOLD_ and MALLOC_TRIM_THRESHOLD_ at " +
        '4 GiB, so that freed memory is reused rather than faulted in again (bench/allocator.ts)'
    : '- memory: the allocator as the platform sets it';
}
