/**
 * Preloaded (`node --require`) into every child process of the scale bench: when the process exits, writes its peak
 * resident set size (`resourceUsage().maxRSS`, KiB) to the file named by LEXIGRAPH_RSS_PROBE. A process killed by a
 * signal or a V8 fatal error never runs exit handlers; the parent then falls back to the VmHWM it sampled.
 */
import { writeFileSync } from 'node:fs';

const target = process.env.LEXIGRAPH_RSS_PROBE;
if (target) {
  process.on('exit', () => {
    writeFileSync(target, String(process.resourceUsage().maxRSS));
  });
}
