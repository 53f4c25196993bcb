import { parseCutoff } from '@remit/calendar';

/** BullMQ queue of the ACH cutoff: one job scheduler that closes the business day. */
export const ACH_CUTOFF_QUEUE = 'settlement-ach-cutoff';
export const ACH_CUTOFF_SCHEDULER = 'ach-cutoff';
export const ACH_CUTOFF_TIME_ZONE = 'America/New_York';

/**
 * Cron pattern of the cutoff, Monday to Friday at `HH:MM` New York time. Holidays fire too and close
 * nothing new: only business days are ever closed (the calendar decides, not cron).
 */
export function achCutoffPattern(cutoff: string): string {
  const { hour, minute } = parseCutoff(cutoff);
  return `${minute} ${hour} * * 1-5`;
}
