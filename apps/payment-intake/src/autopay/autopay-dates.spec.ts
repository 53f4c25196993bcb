import { CronExpressionParser } from 'cron-parser';
import { isBusinessDay, localDateTimeOf } from '@remit/calendar';
import {
  AUTOPAY_RUN_SCHEDULE,
  autopayDateOf,
  calendarDaysBetween,
  nextAutopayRunTime,
} from './autopay-dates';

describe('autopay dates', () => {
  describe(autopayDateOf.name, () => {
    it('is the due date itself when it is a business day and nothing is asked earlier', () => {
      expect(autopayDateOf('2026-12-15', 0)).toBe('2026-12-15');
    });

    it('moves a Saturday or Sunday due date back to the Friday', () => {
      expect(autopayDateOf('2026-12-05', 0)).toBe('2026-12-04');
      expect(autopayDateOf('2026-12-06', 0)).toBe('2026-12-04');
    });

    it('moves a Fed holiday back to the business day before (Christmas 2026 is a Friday)', () => {
      expect(autopayDateOf('2026-12-25', 0)).toBe('2026-12-24');
      // Thanksgiving, Thursday 2026-11-26
      expect(autopayDateOf('2026-11-26', 0)).toBe('2026-11-25');
    });

    it('counts daysBeforeDue in business days, skipping weekends and holidays', () => {
      expect(autopayDateOf('2026-12-15', 2)).toBe('2026-12-11');
      // Monday 2026-11-30 − 2 business days skips the weekend and Thanksgiving
      expect(autopayDateOf('2026-11-30', 2)).toBe('2026-11-25');
      // A Sunday due date, 3 business days earlier than the Friday before it
      expect(autopayDateOf('2026-12-06', 3)).toBe('2026-12-01');
    });
  });

  it('counts calendar days between dates', () => {
    expect(calendarDaysBetween('2026-11-25', '2027-05-24')).toBe(180);
    expect(calendarDaysBetween('2026-11-25', '2026-11-24')).toBe(-1);
  });

  describe(nextAutopayRunTime.name, () => {
    it('is 06:00 New York the same day before 06:00, the next business day after it', () => {
      expect(nextAutopayRunTime(new Date('2026-12-01T10:59:59Z')).toISOString()).toBe(
        '2026-12-01T11:00:00.000Z',
      );
      expect(nextAutopayRunTime(new Date('2026-12-01T11:00:00Z')).toISOString()).toBe(
        '2026-12-02T11:00:00.000Z',
      );
    });

    it('skips a weekend: after the Friday run comes Monday', () => {
      expect(nextAutopayRunTime(new Date('2026-12-04T12:00:00Z')).toISOString()).toBe(
        '2026-12-07T11:00:00.000Z',
      );
    });

    it('skips Fed holidays: Thanksgiving, and Christmas Friday through the weekend', () => {
      expect(nextAutopayRunTime(new Date('2026-11-25T12:00:00Z')).toISOString()).toBe(
        '2026-11-27T11:00:00.000Z',
      );
      expect(nextAutopayRunTime(new Date('2026-12-24T12:00:00Z')).toISOString()).toBe(
        '2026-12-28T11:00:00.000Z',
      );
      // Juneteenth 2026 is a Friday; summer time: 06:00 EDT is 10:00 UTC
      expect(nextAutopayRunTime(new Date('2026-06-18T12:00:00Z')).toISOString()).toBe(
        '2026-06-22T10:00:00.000Z',
      );
    });

    it('agrees with the cron pattern BullMQ is given, less the holidays the job skips', () => {
      let after = new Date('2026-11-20T00:00:00Z');
      const cron = CronExpressionParser.parse(AUTOPAY_RUN_SCHEDULE.pattern, {
        currentDate: after,
        tz: AUTOPAY_RUN_SCHEDULE.tz,
      });
      const working: string[] = [];
      while (working.length < 30) {
        const fire = cron.next().toDate();
        if (isBusinessDay(localDateTimeOf(fire).date)) working.push(fire.toISOString());
      }
      const ours: string[] = [];
      for (let index = 0; index < 30; index += 1) {
        after = nextAutopayRunTime(after);
        ours.push(after.toISOString());
      }
      expect(ours).toEqual(working);
      expect(ours).not.toContain('2026-11-26T11:00:00.000Z');
      expect(ours).not.toContain('2026-12-25T11:00:00.000Z');
    });
  });
});
