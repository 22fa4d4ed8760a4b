import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';

/**
 * Set once SIGTERM/SIGINT arrives. Readiness then answers 503 so load balancers stop sending
 * new requests while in-flight ones finish; responses ask clients to close their connection.
 */
@Injectable()
export class ShutdownState {
  private draining = false;

  constructor(private readonly health: HealthIndicatorService) {}

  get isDraining(): boolean {
    return this.draining;
  }

  begin(): void {
    this.draining = true;
  }

  check() {
    const check = this.health.check('shutdown');
    return this.draining ? check.down({ message: 'draining before shutdown' }) : check.up();
  }
}
