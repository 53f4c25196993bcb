export * from './calendar-error';
export * from './business-date';
export * from './fed-holidays';
export * from './business-day';
export * from './zoned-time';
export * from './business-date-of';
export * from './posting-date';
