/** Luhn (mod 10) check used by every card number (ISO/IEC 7812). */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let index = digits.length - 1; index >= 0; index -= 1) {
    let digit = digits.charCodeAt(index) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

/** 13–19 digits, optionally grouped by spaces or dashes, passing Luhn: what a card number looks like. */
export function looksLikeCardNumber(value: string): boolean {
  const compact = value.replace(/[\s-]/g, '');
  return /^\d{13,19}$/.test(compact) && /^[\d\s-]+$/.test(value) && passesLuhn(compact);
}

const BANK_ACCOUNT_FIELDS = new Set(['accountNumber', 'accountNumberConfirmation', 'routingNumber']);
const CARD_FIELD_NAMES = /^(card.?number|pan|cc.?number|credit.?card(number)?)$/i;

/**
 * Remit never accepts card numbers (docs/architecture.md, Money and data): a card is paid by processor token.
 * Returns the dotted path of the first field that carries a card number, or null. Bank account
 * numbers are exempt, since some legitimately pass Luhn.
 */
export function findCardNumber(value: unknown, path: string[] = []): string | null {
  if (typeof value === 'string') {
    const field = path[path.length - 1] ?? '';
    if (BANK_ACCOUNT_FIELDS.has(field)) return null;
    return looksLikeCardNumber(value) ? path.join('.') : null;
  }
  if (typeof value === 'number') {
    return looksLikeCardNumber(String(value)) && Number.isSafeInteger(value) ? path.join('.') : null;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findCardNumber(item, [...path, String(index)]);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (CARD_FIELD_NAMES.test(key)) return [...path, key].join('.');
      const found = findCardNumber(item, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}
