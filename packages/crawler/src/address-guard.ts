import dns from 'node:dns';
import ipaddr from 'ipaddr.js';

/** Error code set on connection errors raised by the guard; the crawler reports it as 'private-address'. */
export const PRIVATE_ADDRESS_CODE = 'ERR_LEXIGRAPH_PRIVATE_ADDRESS';

export class PrivateAddressError extends Error {
  readonly code = PRIVATE_ADDRESS_CODE;
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(`Refusing to connect to ${host} (${address}): a private, loopback or link-local address outside the hosts this crawl may reach`);
    this.name = 'PrivateAddressError';
  }
}

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Cidr = [Address, number];

/**
 * Link-local and cloud-metadata ranges: refused even for a host the crawl may reach, unless an address or range
 * of the allowed set contains them (169.254.169.254 answers instance credentials on most clouds).
 */
const SENSITIVE: readonly Cidr[] = [
  ipaddr.parseCIDR('169.254.0.0/16'),
  ipaddr.parseCIDR('fe80::/10'),
  ipaddr.parseCIDR('fd00:ec2::254/128'), // AWS instance metadata over IPv6
  ipaddr.parseCIDR('100.100.100.200/32'), // Alibaba Cloud metadata
];

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** The address of an IP literal, IPv4-mapped IPv6 taken as IPv4; null when `ip` is not an IP literal. */
function parseAddress(ip: string): Address | null {
  const bare = unbracket(ip);
  const zone = bare.indexOf('%');
  const text = zone >= 0 ? bare.slice(0, zone) : bare;
  if (!ipaddr.isValid(text)) return null;
  // isValid also accepts forms such as "127.1" or "0x7f.1"; only dotted quads and IPv6 count as literals here.
  if (!text.includes(':') && !ipaddr.IPv4.isValidFourPartDecimal(text)) return null;
  return ipaddr.process(text);
}

function inRange(address: Address, [range, bits]: Cidr): boolean {
  return address.kind() === range.kind() && address.match(range, bits);
}

function isSensitive(address: Address): boolean {
  return SENSITIVE.some((r) => inRange(address, r));
}

/** True when `host` is an IPv4 dotted quad or an IPv6 literal (bracketed or not). */
export function isIpLiteral(host: string): boolean {
  return parseAddress(host) !== null;
}

/**
 * True when `ip` (an IPv4 or IPv6 literal) is one the crawler must not reach by default: anything but global
 * unicast (private, loopback, link-local, unique local, CGNAT, unspecified, multicast, reserved, NAT64...), IPv4-mapped
 * forms included, and the cloud-metadata addresses. Anything that is not a valid IP literal counts as private
 * (fail closed).
 */
export function isPrivateAddress(ip: string): boolean {
  const address = parseAddress(ip);
  return address === null || address.range() !== 'unicast' || isSensitive(address);
}

/**
 * The private hosts and ranges one crawl may reach. Entries are host names (`wiki.corp`), IP addresses
 * (`10.0.0.5`, `::1`) or CIDR ranges (`10.0.0.0/8`, `fd00::/8`):
 * - a public address is always reachable;
 * - a private address is reachable when an address or range entry contains it, or when the URL's host name is
 *   an entry (whatever private address that name resolves to);
 * - a link-local or cloud-metadata address only when an address or range entry contains it: a host-name entry
 *   never opens them.
 * Links and redirects are checked with the same policy, so neither leaves the set.
 */
export class AddressPolicy {
  private readonly names = new Set<string>();
  private readonly ranges: Cidr[] = [];

  /** @throws Error naming an entry that is neither a host name, an IP address nor a CIDR range. */
  constructor(entries: readonly string[] = []) {
    for (const raw of entries) {
      const entry = raw.trim().toLowerCase();
      if (entry.includes('/')) {
        if (!ipaddr.isValidCIDR(entry)) throw new Error(`"${raw}" is not a valid CIDR range`);
        const [range, bits] = ipaddr.parseCIDR(entry);
        this.ranges.push(range.kind() === 'ipv6' && (range as ipaddr.IPv6).isIPv4MappedAddress() ? [(range as ipaddr.IPv6).toIPv4Address(), Math.max(0, bits - 96)] : [range, bits]);
        continue;
      }
      const address = parseAddress(entry);
      if (address) this.ranges.push([address, address.kind() === 'ipv4' ? 32 : 128]);
      else if (/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/.test(entry)) this.names.add(entry.replace(/\.$/, ''));
      else throw new Error(`"${raw}" is not a host name, an IP address or a CIDR range`);
    }
  }

  /** Whether the policy opens no private address at all (the default of a crawl). */
  get isEmpty(): boolean {
    return this.names.size === 0 && this.ranges.length === 0;
  }

  /** Whether a connection to `address` for a URL on `hostname` is allowed. */
  allows(hostname: string, address: string): boolean {
    const parsed = parseAddress(address);
    if (!parsed) return false;
    if (this.ranges.some((r) => inRange(parsed, r))) return true;
    if (!isPrivateAddress(address)) return true;
    if (isSensitive(parsed)) return false;
    return this.names.has(unbracket(hostname).toLowerCase().replace(/\.$/, ''));
  }

  /** For a URL host that is an IP literal: whether it is reachable. Host names are checked at connect time. */
  allowsLiteral(host: string): boolean {
    return !isIpLiteral(host) || this.allows(host, host);
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;
type LookupFunction = (hostname: string, options: dns.LookupOptions | number | undefined, callback: LookupCallback) => void;

/**
 * A `dns.lookup`-compatible function for `net.connect` that resolves the name and refuses the connection when
 * any resolved address is one `policy` does not allow. Because the check runs on the address the socket is about
 * to use, a name that resolves to a public address for a pre-check and a private one at connect time (DNS
 * rebinding) is still refused.
 */
export function guardedLookupFor(policy: AddressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    const opts: dns.LookupOptions = typeof options === 'number' ? { family: options } : { ...(options ?? {}) };
    dns.lookup(hostname, { ...opts, all: true }, (err, addresses) => {
      if (err) {
        callback(err, opts.all ? [] : '', undefined);
        return;
      }
      const list = addresses as dns.LookupAddress[];
      const bad = list.find((a) => !policy.allows(hostname, a.address));
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
  };
}

/** The lookup of a crawl that may reach no private address. */
export const guardedLookup: LookupFunction = guardedLookupFor(new AddressPolicy());
