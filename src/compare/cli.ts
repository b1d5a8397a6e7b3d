// npx tfjs-handmade compare [--backends cpu,webgl,wasm] [--cases quick|full|FILE.json]
//                           [--json | --markdown] [--repeats N]
// Prints hm.compare's rows as a table (a progress bar on a terminal while it runs) and exits
// non-zero if any row is past its tolerance. cpu and wasm run here in node; webgl (and the cpu
// backend inside the browser, as 'browser-cpu') run in headless Chromium.

import * as fs from 'fs';
import {parseArgs} from 'util';

import type {CompareCase} from './cases';
import {parseCases} from './cases';
import type {CompareRow} from './compare';
import {escapeCell, formatMarkdown, formatText, summary} from './format';

const USAGE = `usage: tfjs-handmade compare [--backends cpu,webgl,wasm] [--cases quick|full|FILE.json]
                             [--json | --markdown] [--repeats N]

  --backends  comma-separated: cpu and wasm run in node; webgl and browser-cpu run in headless
              Chromium (CHROMIUM_PATH, default /usr/bin/chromium). Default: cpu
  --cases     quick (default), full (adds the benchmark's reference shapes), or a JSON file of
              cases in tfjs's conventions, e.g.
              [{"kind": "conv", "x": [2,9,9,3], "filter": [3,3,3,8], "strides": 1, "pad": "same"},
               {"kind": "pool", "x": [2,8,8,3], "filterSize": 2, "strides": 2, "pad": "valid"}]
  --json      print the rows as one JSON array
  --markdown  print the rows as a markdown table
  --repeats   timed runs per kernel, after a warm-up (default 5)`;

const NODE_BACKENDS = ['cpu', 'wasm'];
const BROWSER_BACKENDS = ['webgl', 'browser-cpu'];

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  isTTY: boolean;
}

interface Parsed {
  backends: string[];
  cases: 'quick' | 'full' | CompareCase[];
  format: 'text' | 'json' | 'markdown';
  repeats: number;
}

const OPTIONS = {
  backends: {type: 'string', default: 'cpu'},
  cases: {type: 'string', default: 'quick'},
  json: {type: 'boolean', default: false},
  markdown: {type: 'boolean', default: false},
  repeats: {type: 'string', default: '5'},
  help: {type: 'boolean', short: 'h', default: false},
} as const;

export function parseCompareArgs(argv: string[]): Parsed {
  let parsed: ReturnType<
    typeof parseArgs<{args: string[]; allowPositionals: true; options: typeof OPTIONS}>
  >;
  try {
    parsed = parseArgs({args: argv, allowPositionals: true, options: OPTIONS});
  } catch (e) {
    // An unknown option, or an option without its value.
    throw new UsageError((e as Error).message);
  }
  const {values, positionals} = parsed;
  if (values.help) throw new UsageError('');
  if (positionals.length !== 1 || positionals[0] !== 'compare') {
    throw new UsageError(`expected the command 'compare', got ${JSON.stringify(positionals)}`);
  }
  const backends = [
    ...new Set(
      values.backends
        .split(',')
        .map((b) => b.trim())
        .filter((b) => b !== ''),
    ),
  ];
  const unknown = backends.filter((b) => ![...NODE_BACKENDS, ...BROWSER_BACKENDS].includes(b));
  if (backends.length === 0 || unknown.length > 0) {
    throw new UsageError(
      `--backends: unknown backend(s) ${JSON.stringify(unknown)}; ` +
        `choose from ${[...NODE_BACKENDS, ...BROWSER_BACKENDS].join(', ')}`,
    );
  }
  if (values.json && values.markdown)
    throw new UsageError('--json and --markdown exclude each other');
  const repeats = Number(values.repeats);
  if (!Number.isInteger(repeats) || repeats < 1) {
    throw new UsageError(`--repeats must be a positive integer, got ${values.repeats}`);
  }
  let cases: Parsed['cases'];
  if (values.cases === 'quick' || values.cases === 'full') {
    cases = values.cases;
  } else {
    let text: string;
    try {
      text = fs.readFileSync(values.cases, 'utf8');
    } catch (e) {
      throw new UsageError(`--cases: cannot read ${values.cases}: ${(e as Error).message}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new UsageError(`--cases: ${values.cases} is not JSON: ${(e as Error).message}`);
    }
    try {
      cases = parseCases(json, values.cases);
    } catch (e) {
      throw new UsageError(`--cases: ${(e as Error).message}`);
    }
  }
  return {
    backends,
    cases,
    repeats,
    format: values.json ? 'json' : values.markdown ? 'markdown' : 'text',
  };
}

export class UsageError extends Error {}

async function runInNode(
  args: Parsed,
  backends: string[],
  onRow: (r: CompareRow, n: number, total: number) => void,
): Promise<CompareRow[]> {
  if (backends.includes('wasm')) await import('@tensorflow/tfjs-backend-wasm');
  const {compare} = await import('./compare');
  await import('../register');
  return compare({backends, cases: args.cases, repeats: args.repeats, onRow});
}

async function runInBrowser(
  args: Parsed,
  backends: string[],
  onRow: (r: CompareRow, n: number, total: number) => void,
): Promise<CompareRow[]> {
  const {compareInBrowser} = await import('./browser');
  return compareInBrowser({backends, cases: args.cases, repeats: args.repeats}, onRow);
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  let args: Parsed;
  try {
    args = parseCompareArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    if (e.message !== '') io.err(`tfjs-handmade: ${e.message}\n`);
    io.err(`${USAGE}\n`);
    return e.message === '' ? 0 : 2;
  }
  const bar = io.isTTY && args.format === 'text' ? await progressBar() : null;
  const onRow = (r: CompareRow, done: number, total: number) =>
    bar?.update(
      done,
      total,
      `${r.backend} ${r.kernel.replace(/^Handmade/, '')} ${escapeCell(r.case)}`,
    );
  const rows: CompareRow[] = [];
  try {
    const inNode = args.backends.filter((b) => NODE_BACKENDS.includes(b));
    const inBrowser = args.backends.filter((b) => BROWSER_BACKENDS.includes(b));
    if (inNode.length > 0) rows.push(...(await runInNode(args, inNode, onRow)));
    if (inBrowser.length > 0) rows.push(...(await runInBrowser(args, inBrowser, onRow)));
  } finally {
    bar?.stop();
  }
  if (args.format === 'json') io.out(`${JSON.stringify(rows, null, 2)}\n`);
  else if (args.format === 'markdown') io.out(`${formatMarkdown(rows)}\n\n${summary(rows)}\n`);
  else io.out(`${formatText(rows)}\n\n${summary(rows)}\n`);
  return rows.every((r) => r.ok) ? 0 : 1;
}

/** A progress bar on stderr, so that stdout stays the table. */
async function progressBar() {
  const {SingleBar, Presets} = await import('cli-progress');
  const bar = new SingleBar(
    {
      format: ' {bar} {value}/{total} {label}',
      stream: process.stderr,
      clearOnComplete: true,
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update(done: number, total: number, label: string) {
      if (!started) {
        bar.start(total, 0, {label});
        started = true;
      }
      bar.setTotal(total);
      bar.update(done, {label});
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
