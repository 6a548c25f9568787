/**
 * Progress on stderr, so stdout carries only the report. On a terminal one status line is
 * rewritten in place; otherwise (a log file, CI) a status line is printed every 5 s at most.
 */
export class Progress {
  private lastPlain = 0;
  private showing = false;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  log(line: string): void {
    this.clear();
    this.stream.write(`[bench] ${line}\n`);
  }

  status(line: string): void {
    if (this.stream.isTTY) {
      this.stream.write(`\r\x1b[2K${line}`);
      this.showing = true;
    } else if (Date.now() - this.lastPlain >= 5000) {
      this.lastPlain = Date.now();
      this.stream.write(`${line}\n`);
    }
  }

  clear(): void {
    if (this.showing) this.stream.write('\r\x1b[2K');
    this.showing = false;
  }
}
