import { createCloudEvent, type EventData, type EventType } from '@remit/contracts';
import { layoutEmail } from './email-layout';
import {
  autopayFailed,
  autopayUpcoming,
  describeMethod,
  emailFor,
  feeCharged,
  feeWaived,
  fundsAwaited,
  paymentFailed,
  paymentMethodDisabled,
  wireInstructionsText,
  paymentReceived,
  paymentReturned,
  postedReceipt,
  postingNotice,
  type TemplateContext,
} from './email-templates';

const PAYMENT_ID = '0b6f4e0e-51c8-4cf7-9a51-0b1f7f4a0001';
const context: TemplateContext = {
  customerName: 'Corporate Account For Cloud Ser',
  sites: [
    { siteName: 'Ashley Palacol', city: 'HERND' },
    { siteName: 'Billy Fisher LITTLE RIVER', city: 'LITTLE' },
  ],
  checkRemitAddress: 'Fusion, P. O. Box 411470, Boston, MA 02241-1289',
  wireInstructions: 'Beneficiary: Fusion; ABA routing number: 021000021',
  returnFeeCents: 2500,
  paperInvoiceFeeCents: 1000,
};

function text(content: Parameters<typeof layoutEmail>[0]): string {
  return layoutEmail(content).text;
}

function event<T extends EventType>(type: T, data: EventData<T>) {
  return createCloudEvent({ type, source: 'remit/test', customerId: 'corp-1', data });
}

const submitted: EventData<'payment.submitted'> = {
  paymentId: PAYMENT_ID,
  customerId: 'corp-1',
  amountCents: 34618,
  currency: 'USD',
  method: {
    type: 'ach',
    last4: '6789',
    bankAccount: { routingNumber: '021000021', accountNumberCiphertext: 'c2VhbGVk', keyId: 'dev-1' },
  },
  invoices: [{ invoiceId: 'inv-1' }],
  submittedAt: '2026-11-23T15:00:00Z',
  businessDate: '2026-11-23',
};

describe(paymentReceived.name, () => {
  it('states the amount, the account by its last four digits and the posting notice', () => {
    const content = paymentReceived(submitted, context);
    expect(content.type).toBe('payment.received');
    expect(content.subject).toBe('We received your payment of $346.18');
    const body = text(content);
    expect(body).toContain('bank account ending 6789');
    expect(body).toContain(
      'Please allow up to 2 business days for payments to be reflected in your account (expected 2026-11-25).',
    );
    expect(body).toContain('Return Fee of $25.00');
    expect(body).toContain('Your sites: Ashley Palacol (HERND), Billy Fisher LITTLE RIVER (LITTLE)');
    expect(body).not.toContain('c2VhbGVk');
  });
});

describe(postingNotice.name, () => {
  it.each([
    ['ACH on Monday posts Wednesday', 'ach', '2026-11-23', 'up to 2 business days', '2026-11-25'],
    [
      'a saved account is ACH; Thanksgiving is skipped',
      'saved',
      '2026-11-25',
      'up to 2 business days',
      '2026-11-30',
    ],
    ['a card the same day', 'card', '2026-11-23', 'same day', '2026-11-23'],
    ['a check within 5 business days', 'check', '2026-11-23', 'up to 5 business days', '2026-12-01'],
  ])('%s', (_case, type, businessDate, wording, expected) => {
    const notice = postingNotice({ type }, businessDate);
    expect(notice).toContain(wording);
    expect(notice).toContain(expected);
  });
});

describe(fundsAwaited.name, () => {
  const scheduled: EventData<'payment.scheduled'> = {
    paymentId: PAYMENT_ID,
    customerId: 'corp-1',
    amountCents: 120000,
    method: { type: 'check' },
    expectedPostingDate: '2026-12-01',
    status: 'awaiting_funds',
  };

  it('tells where to mail a check', () => {
    const content = fundsAwaited(scheduled, context);
    expect(content).toMatchObject({
      type: 'payment.check-awaited',
      subject: 'Check payment of $1,200.00 awaited',
    });
    expect(text(content)).toContain('Mail the check to: Fusion, P. O. Box 411470, Boston, MA 02241-1289');
    expect(text(content)).toContain('up to 5 business days');
  });

  it('gives the wire instructions for a wire', () => {
    const content = fundsAwaited({ ...scheduled, method: { type: 'wire' } }, context);
    expect(content).toMatchObject({
      type: 'payment.wire-awaited',
      subject: 'Wire transfer of $1,200.00 awaited',
    });
    expect(text(content)).toContain('Wire instructions: Beneficiary: Fusion; ABA routing number: 021000021');
  });
});

describe(postedReceipt.name, () => {
  const payment: EventData<'payment.applied'> = {
    paymentId: PAYMENT_ID,
    customerId: 'corp-1',
    customerName: 'Corporate Account For Cloud Ser',
    customerEmail: 'ap@example.com',
    amountCents: 34618,
    applications: [
      { invoiceId: 'a', invoiceNumber: 'INV-1', amountCents: 30000 },
      { invoiceId: 'b', invoiceNumber: 'INV-2', amountCents: 4000 },
    ],
    creditCents: 618,
    postingDate: '2026-11-30',
  };

  it('states the amount, each invoice paid and the credit', () => {
    const content = postedReceipt(payment, context);
    expect(content.subject).toBe('Payment received: $346.18');
    const body = text(content);
    expect(body).toContain('Invoice INV-1: $300.00');
    expect(body).toContain('Invoice INV-2: $40.00');
    expect(body).toContain('Credit to your account: $6.18');
    expect(body).toContain('posted on 2026-11-30');
  });

  it('mentions no credit when there is none', () => {
    expect(text(postedReceipt({ ...payment, creditCents: 0 }, context))).not.toContain('Credit');
  });
});

describe(paymentReturned.name, () => {
  it('gives the reason and the $25.00 Return Fee', () => {
    const content = paymentReturned(
      {
        paymentId: PAYMENT_ID,
        customerId: 'corp-1',
        amountCents: 34618,
        method: { type: 'ach', last4: '6789' },
        returnCode: 'R01',
        returnDescription: 'Insufficient funds',
        returnClass: 're-presentable',
        returnedAt: '2026-11-27T15:00:00Z',
        businessDate: '2026-11-27',
      },
      context,
    );
    expect(content.subject).toBe('Payment returned: $346.18');
    expect(text(content)).toContain('(R01: Insufficient funds)');
    expect(text(content)).toContain('A Return Fee of $25.00 applies');
    expect(text(content)).toContain('bank account ending 6789');
  });
});

describe(paymentFailed.name, () => {
  it('gives the reason', () => {
    const content = paymentFailed(
      {
        paymentId: PAYMENT_ID,
        customerId: 'corp-1',
        amountCents: 5000,
        method: { type: 'card', last4: '4242' },
        code: 'CARD_DECLINED',
        reason: 'the card was declined',
        failedAt: '2026-11-23T15:00:00Z',
      },
      context,
    );
    expect(content.subject).toBe('Payment of $50.00 failed');
    expect(text(content)).toContain('card ending 4242 could not be made: the card was declined');
  });
});

describe(feeCharged.name, () => {
  const fee: EventData<'fee.charged'> = {
    feeId: '0b6f4e0e-51c8-4cf7-9a51-0b1f7f4a0002',
    customerId: 'corp-1',
    kind: 'return',
    amountCents: 2500,
    invoiceId: '0b6f4e0e-51c8-4cf7-9a51-0b1f7f4a0003',
    invoiceNumber: 'INV-9',
    paymentId: PAYMENT_ID,
    returnCode: 'R01',
  };

  it.each([
    ['a Return Fee', fee, 'Return Fee charged: $25.00', 'for your returned payment (R01)'],
    [
      'a Paper Invoice Fee',
      { ...fee, kind: 'paper' as const, amountCents: 1000 },
      'Paper Invoice Fee charged: $10.00',
      'paper bill',
    ],
  ])('%s', (_case, data, subject, wording) => {
    const content = feeCharged(data, context);
    expect(content.subject).toBe(subject);
    expect(text(content)).toContain(wording);
    expect(text(content)).toContain('invoice INV-9');
  });
});

describe(feeWaived.name, () => {
  it('names the fee and the reason', () => {
    const content = feeWaived(
      {
        feeId: '0b6f4e0e-51c8-4cf7-9a51-0b1f7f4a0002',
        customerId: 'corp-1',
        kind: 'return',
        amountCents: 2500,
        reason: 'bank error',
        waivedBy: 'ops-1',
      },
      context,
    );
    expect(content.subject).toBe('Return Fee waived: $25.00');
    expect(text(content)).toContain('We waived a Return Fee of $25.00: bank error.');
  });
});

describe(autopayUpcoming.name, () => {
  it('lists what the run will pay and from which account', () => {
    const content = autopayUpcoming(
      {
        customerId: 'corp-1',
        paymentMethodId: 'pm-1',
        last4: '6789',
        runDate: '2026-12-01',
        amountCents: 34618,
        invoices: [{ invoiceId: 'a', invoiceNumber: 'INV-1', amountCents: 34618 }],
      },
      context,
    );
    expect(content.subject).toBe('Autopay of $346.18 on 2026-12-01');
    expect(text(content)).toContain('from your bank account ending 6789');
    expect(text(content)).toContain('  - Invoice INV-1: $346.18');
  });
});

describe(autopayFailed.name, () => {
  it('gives the reason', () => {
    const content = autopayFailed(
      {
        customerId: 'corp-1',
        runDate: '2026-12-01',
        code: 'METHOD_DISABLED',
        reason: 'the saved account is disabled',
      },
      context,
    );
    expect(content.subject).toBe('Autopay on 2026-12-01 did not go through');
    expect(text(content)).toContain('the saved account is disabled (METHOD_DISABLED)');
  });
});

describe(paymentMethodDisabled.name, () => {
  it('names the account by its last four digits and says autopay stops', () => {
    const content = paymentMethodDisabled(
      {
        paymentMethodId: 'pm-1',
        customerId: 'corp-1',
        last4: '6789',
        reason: 'account closed',
        returnCode: 'R02',
        disabledAt: '2026-11-27T15:00:00Z',
      },
      context,
    );
    expect(content.subject).toBe('Bank account ending 6789 disabled');
    expect(text(content)).toContain('account closed (R02)');
    expect(text(content)).toContain('Autopay with this account is suspended');
  });
});

describe(describeMethod.name, () => {
  it.each([
    [{ type: 'ach', last4: '1234' }, 'bank account ending 1234'],
    [{ type: 'saved' }, 'bank account'],
    [{ type: 'card', last4: '4242' }, 'card ending 4242'],
    [{ type: 'check' }, 'check'],
    [{ type: 'wire' }, 'wire transfer'],
  ])('%j is "%s"', (method, expected) => {
    expect(describeMethod(method)).toBe(expected);
  });
});

describe(emailFor.name, () => {
  it('sends nothing at submission for a check or wire: settlement says what is awaited', () => {
    for (const type of ['check', 'wire'] as const) {
      expect(
        emailFor(event('payment.submitted', { ...submitted, method: { type } }), context),
      ).toBeUndefined();
    }
    expect(emailFor(event('payment.submitted', submitted), context)?.type).toBe('payment.received');
  });

  it('sends nothing for a plain scheduled or posted payment', () => {
    const scheduled = event('payment.scheduled', {
      paymentId: PAYMENT_ID,
      customerId: 'corp-1',
      amountCents: 100,
      method: { type: 'ach' },
      expectedPostingDate: '2026-11-25',
    });
    expect(emailFor(scheduled, context)).toBeUndefined();
    expect(
      emailFor({ ...scheduled, data: { ...scheduled.data, status: 'awaiting_funds' } }, context)?.type,
    ).toBe('payment.check-awaited');
  });

  it('escapes HTML from other services', () => {
    const email = emailFor(
      event('fee.waived', {
        feeId: '0b6f4e0e-51c8-4cf7-9a51-0b1f7f4a0002',
        customerId: 'corp-1',
        kind: 'paper',
        amountCents: 1000,
        reason: '<script>alert(1)</script>',
        waivedBy: 'ops',
      }),
      { ...context, customerName: 'A & B' },
    );
    expect(email?.html).toContain('Dear A &amp; B,');
    expect(email?.html).toContain('&lt;script&gt;');
    expect(email?.html).not.toContain('<script>');
    expect(email?.text).toContain('<script>alert(1)</script>');
  });
});

describe(wireInstructionsText.name, () => {
  it('gives the configured wire instructions on one line, as the intake notice does', () => {
    expect(
      wireInstructionsText({
        beneficiaryName: 'Fusion',
        bankName: 'Example Bank, N.A.',
        routingNumber: '021000021',
        accountNumber: '000000000000',
      }),
    ).toBe(
      'Beneficiary: Fusion; Bank: Example Bank, N.A.; ABA routing number: 021000021; account: 000000000000',
    );
  });
});
