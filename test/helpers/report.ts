// Collects the worst error per kernel output over a suite and prints it once at the end, so a
// run states what it measured, not only that it passed.

class Worst {
  private table = new Map<string, number>();

  record(group: string, errors: Record<string, number>): void {
    for (const [k, v] of Object.entries(errors)) {
      const key = `${group} ${k}`;
      this.table.set(key, Math.max(this.table.get(key) ?? 0, v));
    }
  }

  print(): void {
    if (this.table.size === 0) return;
    const rows = [...this.table].map(([k, v]) => `  ${k.padEnd(28)} ${v.toExponential(2)}`);
    process.stdout.write(`worst relative errors:\n${rows.join('\n')}\n`);
  }
}

export const worst = new Worst();
