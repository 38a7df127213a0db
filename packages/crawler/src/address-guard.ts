import dns from 'node:dns';
import net from 'node:net';

/** Error code set on connection errors raised by the guard; the crawler reports it as 'private-address'. */
export const PRIVATE_ADDRESS_CODE = 'ERR_LEXIGRAPH_PRIVATE_ADDRESS';

export class PrivateAddressError extends Error {
  readonly code = PRIVATE_ADDRESS_CODE;
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(`Refusing to connect to ${host} (${address}): private, loopback or link-local address; set allowPrivate to crawl it`);
    this.name = 'PrivateAddressError';
  }
}

function parseIpv4(ip: string): number[] | null {
  const parts = ip.split('.');
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

function isPrivateIpv4(ip: string): boolean {
  const o = parseIpv4(ip);
  if (!o) return true; // not a dotted quad: refuse rather than guess
  const [a = 0, b = 0] = o;
  return (
    a === 0 || // 0.0.0.0/8 "this network", includes the unspecified address
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) || // CGNAT 100.64/10
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    a >= 224 // multicast, reserved, broadcast
  );
}

/** Expands an IPv6 literal to 8 hextets; null when malformed. */
function parseIpv6(ip: string): number[] | null {
  let s = ip.toLowerCase();
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  const maybeV4 = s.slice(lastColon + 1);
  if (maybeV4.includes('.')) {
    const v4 = parseIpv4(maybeV4);
    if (!v4) return null;
    tail = [((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0)];
    s = s.slice(0, lastColon + 1) + '0:0';
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const toNums = (h: string): number[] | null => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = toNums(halves[0] ?? '');
  const rest = halves.length === 2 ? toNums(halves[1] ?? '') : [];
  if (!head || !rest) return null;
  let groups: number[];
  if (halves.length === 2) {
    const fill = 8 - head.length - rest.length;
    if (fill < 0) return null;
    groups = [...head, ...new Array<number>(fill).fill(0), ...rest];
  } else {
    groups = head;
  }
  if (groups.length !== 8) return null;
  if (tail.length === 2) {
    groups[6] = tail[0] ?? 0;
    groups[7] = tail[1] ?? 0;
  }
  return groups;
}

function isPrivateIpv6(ip: string): boolean {
  const g = parseIpv6(ip);
  if (!g) return true;
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const allZeroPrefix = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (allZeroPrefix && g5 === 0 && g6 === 0 && (g7 === 0 || g7 === 1)) return true; // :: and ::1
  const embedded = `${g6 >> 8}.${g6 & 255}.${g7 >> 8}.${g7 & 255}`;
  if (allZeroPrefix && g5 === 0xffff) return isPrivateIpv4(embedded); // IPv4-mapped
  if (allZeroPrefix && g5 === 0) return isPrivateIpv4(embedded); // deprecated IPv4-compatible
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return isPrivateIpv4(embedded); // NAT64
  if ((g0 & 0xfe00) === 0xfc00) return true; // unique local fc00::/7
  if ((g0 & 0xffc0) === 0xfe80) return true; // link-local fe80::/10
  if ((g0 & 0xffc0) === 0xfec0) return true; // deprecated site-local fec0::/10
  if ((g0 & 0xff00) === 0xff00) return true; // multicast
  return false;
}

/**
 * True when `ip` (an IPv4 or IPv6 literal) is one the crawler must not reach by default: private (10/8,
 * 172.16/12, 192.168/16, fc00::/7), loopback (127/8, ::1), link-local (169.254/16, fe80::/10), unspecified
 * (0.0.0.0, ::), CGNAT (100.64/10), multicast/reserved, and IPv4-mapped forms of all of these.
 * Anything that is not a valid IP literal counts as private (fail closed).
 */
export function isPrivateAddress(ip: string): boolean {
  const bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  const kind = net.isIP(bare);
  if (kind === 4) return isPrivateIpv4(bare);
  if (kind === 6 || bare.includes(':')) return isPrivateIpv6(bare);
  return true;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

/**
 * A `dns.lookup`-compatible function for `net.connect` that resolves the name and refuses the connection when
 * any resolved address is private. Because the check runs on the address the socket is about to use, a name
 * that resolves to a public address for a pre-check and a private one at connect time (DNS rebinding) is
 * still refused.
 */
export function guardedLookup(
  hostname: string,
  options: dns.LookupOptions | number | undefined,
  callback: LookupCallback,
): void {
  const opts: dns.LookupOptions = typeof options === 'number' ? { family: options } : { ...(options ?? {}) };
  dns.lookup(hostname, { ...opts, all: true }, (err, addresses) => {
    if (err) {
      callback(err, opts.all ? [] : '', undefined);
      return;
    }
    const list = addresses as dns.LookupAddress[];
    const bad = list.find((a) => isPrivateAddress(a.address));
    if (bad || list.length === 0) {
      callback(new PrivateAddressError(hostname, bad?.address ?? '(none)'), opts.all ? [] : '', undefined);
      return;
    }
    if (opts.all) callback(null, list);
    else {
      const first = list[0] as dns.LookupAddress;
      callback(null, first.address, first.family);
    }
  });
}
