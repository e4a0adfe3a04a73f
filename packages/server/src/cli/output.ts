/** Where a CLI command writes: results on stdout (JSON with --json), everything else on stderr. */
export interface Output {
  readonly json: boolean;
  /** Prints a result: `data` as one JSON document with --json, else the human text. */
  result(data: unknown, human: string | (() => string)): void;
  /** A note for people, on stderr, never on stdout. */
  info(message: string): void;
  /** Writes part of a human result as it is made (text as a model writes it); nothing with --json. */
  write(text: string): void;
}

/** The output of a real terminal session. */
export function createOutput(
  json: boolean,
  streams = { stdout: process.stdout, stderr: process.stderr },
): Output {
  return {
    json,
    result(data, human) {
      if (json) streams.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
      else {
        const text = typeof human === 'function' ? human() : human;
        if (text) streams.stdout.write(`${text}\n`);
      }
    },
    info(message) {
      streams.stderr.write(`${message}\n`);
    },
    write(text) {
      if (!json) streams.stdout.write(text);
    },
  };
}

/** Formats a byte count for people. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** Lays rows out in aligned columns. */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}
