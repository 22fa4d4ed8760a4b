/** A pino destination that keeps the JSON lines written to it, for assertions on logs. */
export class LogCapture {
  private readonly raw: string[] = [];

  write(chunk: string): void {
    for (const line of chunk.split('\n')) if (line.trim() !== '') this.raw.push(line);
  }

  /** Every line parsed as JSON (each line must be JSON: that is the contract being tested). */
  lines(): Record<string, unknown>[] {
    return this.raw.map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  clear(): void {
    this.raw.length = 0;
  }
}
