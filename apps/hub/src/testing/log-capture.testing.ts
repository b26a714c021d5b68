// Test-only: the hub's real log (pino through nestjs-pino, with its serializers and redaction) written to memory
// instead of standard output, so a test can read every line the process wrote.
import type { DestinationStream } from 'pino';

export interface LogRecord {
  level: number;
  msg?: string;
  [key: string]: unknown;
}

/** pino's numeric level of `error`; `fatal` is above it. */
export const ERROR_LEVEL = 50;

export class CapturedLog implements DestinationStream {
  readonly lines: string[] = [];
  #partial = '';

  write(chunk: string): void {
    const text = this.#partial + chunk;
    const parts = text.split('\n');
    this.#partial = parts.pop() ?? '';
    this.lines.push(...parts.filter((l) => l !== ''));
  }

  records(): LogRecord[] {
    return this.lines.map((l) => JSON.parse(l) as LogRecord);
  }

  /** Lines at error level or above written since line `from`. */
  errorsSince(from = 0): LogRecord[] {
    return this.records()
      .slice(from)
      .filter((r) => r.level >= ERROR_LEVEL);
  }
}
