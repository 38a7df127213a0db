import { DbError, isUniqueViolation, toDbError } from './errors';

describe('error mapping', () => {
  it('recognises unique violations from Prisma, Postgres and driver adapters', () => {
    expect(isUniqueViolation({ code: 'P2002' })).toBe(true);
    expect(isUniqueViolation(Object.assign(new Error('dup'), { code: '23505' }))).toBe(true);
    const wrapped = {
      code: 'P2010',
      meta: { driverAdapterError: { cause: { kind: 'postgres', originalCode: '23505' } } },
    };
    expect(isUniqueViolation(wrapped)).toBe(true);
    expect(isUniqueViolation(new Error('boom', { cause: { code: '23505' } }))).toBe(true);
    expect(isUniqueViolation({ code: '23503' })).toBe(false);
    expect(isUniqueViolation('23505')).toBe(false);
    expect(isUniqueViolation(null)).toBe(false);
  });

  it('maps codes to stable DbError codes and keeps the cause', () => {
    const cause = { code: '23505', message: 'duplicate key' };
    const err = toDbError(cause, 'create thing 42');
    expect(err).toBeInstanceOf(DbError);
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toContain('create thing 42');
    expect(err.cause).toBe(cause);
    expect(toDbError({ code: '23503' }, 'x').code).toBe('NOT_FOUND');
    expect(toDbError({ code: '22P02' }, 'x').code).toBe('INVALID_ARGUMENT');
    expect(toDbError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), 'x').code).toBe('UNAVAILABLE');
    expect(toDbError(new Error('weird'), 'x').code).toBe('INTERNAL');
    // Connection losses without a code, and Prisma's long messages cut to their one telling line.
    expect(toDbError(new Error('Connection terminated unexpectedly'), 'x').code).toBe('UNAVAILABLE');
    const prisma = toDbError(new Error(`\nInvalid invocation in\n${'x'.repeat(30_000)}\nRaw query failed. Code: \`N/A\`. Message: \`Can't reach database server at 127.0.0.1:5\``), 'list collections');
    expect(prisma.code).toBe('UNAVAILABLE');
    expect(prisma.message.length).toBeLessThan(300);
    const already = new DbError('INVALID_STATE', 'nope');
    expect(toDbError(already, 'x')).toBe(already);
  });
});
