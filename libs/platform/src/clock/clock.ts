/**
 * The one source of "now" for every service (docs/architecture.md, "Business-day rules": all services read time
 * through one platform clock). Use cases inject `Clock`; tests hand them a `FixedClock`.
 */
export abstract class Clock {
  abstract now(): Promise<Date>;
}

/** A clock for unit tests: frozen at an instant until set or advanced. */
export class FixedClock extends Clock {
  private instant: Date;

  constructor(instant: Date | string) {
    super();
    this.instant = new Date(instant);
  }

  now(): Promise<Date> {
    return Promise.resolve(new Date(this.instant));
  }

  set(instant: Date | string): void {
    this.instant = new Date(instant);
  }

  advance(milliseconds: number): void {
    this.instant = new Date(this.instant.getTime() + milliseconds);
  }
}
