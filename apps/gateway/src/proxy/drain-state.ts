/**
 * Set when the gateway starts shutting down: readiness answers 503, proxied responses carry
 * `Connection: close`, and the data plane stops accepting.
 */
export class DrainState {
  private draining = false;

  get active(): boolean {
    return this.draining;
  }

  begin(): void {
    this.draining = true;
  }
}
