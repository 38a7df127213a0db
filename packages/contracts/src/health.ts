/** State of one dependency of a service, as `/health` reports it. */
export type CheckStatus = 'up' | 'down';

/** The body of every service's `/health`: a fixed, small shape (well under 1 KB) that never carries error text. */
export interface HealthBody {
  status: 'ok' | 'error';
  service: string;
  checks: Record<string, CheckStatus>;
}

/** How long one dependency check may take before it counts as down, in ms. */
export const HEALTH_CHECK_TIMEOUT_MS = 2000;

/**
 * Runs a dependency check: `up` when `fn` resolves within `timeoutMs`, `down` when it rejects or takes longer. The
 * reason is handed to `onDown` (for the service's log) and never to the caller's answer.
 */
export async function probe(fn: () => Promise<unknown>, onDown?: (reason: string) => void, timeoutMs = HEALTH_CHECK_TIMEOUT_MS): Promise<CheckStatus> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return 'up';
  } catch (err) {
    onDown?.(err instanceof Error ? err.message : String(err));
    return 'down';
  } finally {
    clearTimeout(timer);
  }
}

/** The status code (200 when every check is up, else 503) and body of a `/health` answer. */
export function healthAnswer(service: string, checks: Record<string, CheckStatus>): { statusCode: 200 | 503; body: HealthBody } {
  const ok = Object.values(checks).every((c) => c === 'up');
  return { statusCode: ok ? 200 : 503, body: { status: ok ? 'ok' : 'error', service, checks } };
}
