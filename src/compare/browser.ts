// Placeholder module boundary for the browser runner; filled in with the webgl backend.
import type {CompareCase} from './cases';
import type {CompareRow} from './compare';

export async function compareInBrowser(
    _options: {backends: string[]; cases: 'quick' | 'full' | CompareCase[]; repeats: number},
    _onRow: (r: CompareRow, done: number, total: number) => void): Promise<CompareRow[]> {
  throw new Error('tfjs-handmade compare: the browser backends need the webgl kernels');
}
