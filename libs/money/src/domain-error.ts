/**
 * The one error type of the pure domain libraries (@remit/money, @remit/calendar, @remit/fees).
 *
 * Errors are data with stable codes (CONTRIBUTING.md, "Errors are data"): the domain raises them and
 * the edge maps them — to the HTTP error envelope `{"error":{"code","message","details":[{field,...}]}}`
 * (docs/architecture.md, "Public contract") or to retry / dead-letter in consumers. Nothing here knows about HTTP.
 *
 * `code` is `<AREA>.<REASON>` (e.g. `MONEY.NOT_INTEGER_CENTS`, `CALENDAR.INVALID_DATE`) and never changes
 * once published; `field` names the offending input (`amountCents`, `invoices[2].dueDate`) when there is one.
 * Messages never carry bank account numbers: they may be logged.
 */
export class DomainError extends Error {
  constructor(
    public readonly code: string,
    message: string,
    public readonly field?: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export function isDomainError(value: unknown): value is DomainError {
  return value instanceof DomainError;
}
