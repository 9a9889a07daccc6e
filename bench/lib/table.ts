/** Median of the numbers that are known; null when none is. */
export function median(values: (number | null)[]): number | null {
  const known = values.filter((value): value is number => value !== null).sort((a, b) => a - b);
  if (known.length === 0) return null;
  const middle = Math.floor(known.length / 2);
  return known.length % 2 === 1 ? known[middle]! : (known[middle - 1]! + known[middle]!) / 2;
}

/** A number with `digits` decimals, or `-` when unknown. */
export function fixed(value: number | null, digits = 1): string {
  return value === null ? '-' : value.toFixed(digits);
}

/** Bytes as MiB with one decimal, or `-`. */
export function mebibytes(bytes: number | null): string {
  return bytes === null ? '-' : (bytes / 1024 / 1024).toFixed(1);
}

/**
 * A Markdown table (pipes, aligned columns): readable in a terminal and pasteable into the
 * README as it is. Numeric-looking cells are right-aligned.
 */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const numeric = headers.map((_, column) =>
    rows.every((row) => /^[-+]?[\d.,x%-]*$/.test(row[column] ?? '')),
  );
  const line = (cells: string[]) =>
    `| ${cells
      .map((cell, column) =>
        numeric[column] ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!),
      )
      .join(' | ')} |`;
  // The same rule Biome writes when it formats the README, so tables paste in unchanged.
  const rule = line(
    widths.map((width, column) =>
      numeric[column] ? `${'-'.repeat(width - 1)}:` : '-'.repeat(width),
    ),
  );
  return [line(headers), rule, ...rows.map(line)].join('\n');
}
