import { types } from 'pg';

/**
 * Business dates are 'YYYY-MM-DD' strings in America/New_York (CONTRIBUTING.md, "Dates"). By default `pg`
 * turns a `date` into a JS Date at local midnight, which shifts the day in any zone west of UTC.
 */
const DATE_OID = 1082;
types.setTypeParser(DATE_OID, (value: string) => value);

export const PG_DATE_AS_STRING = true;
