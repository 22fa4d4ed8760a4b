import { idempotencyKeyOf } from './idempotency-key';

describe('idempotencyKeyOf', () => {
  it('is undefined without the field', () => {
    expect(idempotencyKeyOf({})).toBeUndefined();
  });

  it.each([
    ['"8e03978e-40d5-43e8-bc93-6894a57f9324"', '8e03978e-40d5-43e8-bc93-6894a57f9324'],
    ['"a b"', 'a b'],
    ['"say \\"hi\\" \\\\o/"', 'say "hi" \\o/'],
  ])('reads the sf-string %s', (value, key) => {
    expect(idempotencyKeyOf({ 'idempotency-key': value })).toBe(key);
  });

  it.each(['8e03978e', '""', '"a"b"', '"a\\b"', `"${'k'.repeat(201)}"`, '"caf\u00e9"'])(
    'refuses %j with BAD_REQUEST',
    (value) => {
      expect(() => idempotencyKeyOf({ 'idempotency-key': value })).toThrow('Malformed request.');
    },
  );
});
