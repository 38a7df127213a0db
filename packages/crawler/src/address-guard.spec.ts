import { guardedLookup, isPrivateAddress } from './address-guard';

describe('isPrivateAddress', () => {
  it.each([
    '10.0.0.1', '10.255.255.255', '172.16.0.1', '172.31.255.254', '192.168.1.1', '127.0.0.1', '127.8.9.10',
    '169.254.169.254', '0.0.0.0', '100.64.0.1', '100.127.255.255', '::1', '::', 'fc00::1', 'fd12:3456::1',
    'fe80::1', 'febf::1', '::ffff:127.0.0.1', '::ffff:10.1.2.3', '[::1]', '::ffff:7f00:1', 'garbage',
  ])('refuses %s', (ip) => {
    expect(isPrivateAddress(ip)).toBe(true);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.15.0.1', '172.32.0.1', '100.63.255.255', '100.128.0.1', '192.169.0.1', '2001:4860:4860::8888', '::ffff:8.8.8.8', '2a00::1'])(
    'allows %s',
    (ip) => {
      expect(isPrivateAddress(ip)).toBe(false);
    },
  );
});

describe('guardedLookup', () => {
  function lookup(host: string, all: boolean): Promise<{ err: NodeJS.ErrnoException | null; result: unknown }> {
    return new Promise((resolve) => {
      guardedLookup(host, { all }, (err, result) => resolve({ err, result }));
    });
  }

  it('fails a name resolving to loopback with the guard code, in both callback shapes', async () => {
    for (const all of [false, true]) {
      const { err } = await lookup('localhost', all);
      expect(err?.code).toBe('ERR_LEXIGRAPH_PRIVATE_ADDRESS');
    }
  });

  it('fails an IP literal in a private range', async () => {
    const { err } = await lookup('192.168.0.10', false);
    expect(err?.code).toBe('ERR_LEXIGRAPH_PRIVATE_ADDRESS');
  });

  it('passes a public IP literal through in the shape asked for', async () => {
    expect(await lookup('8.8.8.8', false)).toEqual({ err: null, result: '8.8.8.8' });
    expect(await lookup('8.8.8.8', true)).toEqual({ err: null, result: [{ address: '8.8.8.8', family: 4 }] });
  });
});
