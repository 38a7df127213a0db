import type { DatasetReport, SystemResult } from './run';

const NAMES: Record<SystemResult['system'], string> = {
  lexigraph: 'Lexigraph (tables + own-ranking kNN)',
  'knn-bm25': 'kNN over SQLite FTS5 BM25',
};

function chosen(s: SystemResult): string {
  return Object.entries(s.chosen)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

/** The report of one dataset as text lines: a header, a Markdown table (ours vs kNN-BM25) and the ratio. */
export function formatTaxonomyReport(r: DatasetReport): string[] {
  const lines: string[] = [];
  const tree = r.depth === 1 ? 'flat labels (tree score = hit or miss)' : `category tree of depth ${r.depth}`;
  lines.push(`taxonomy recovery: ${r.dataset} (${r.labels} labels, ${tree})`);
  lines.push(`  ${r.protocol}`);
  lines.push('');
  lines.push('| system | micro-F1 | macro-F1 | top-1 acc | exact set | mean tree score | dev micro-F1 | time s | chosen settings |');
  lines.push('|---|---|---|---|---|---|---|---|---|');
  for (const s of r.systems) {
    const m = s.metrics;
    lines.push(
      `| ${NAMES[s.system]} | ${m.microF1.toFixed(3)} | ${m.macroF1.toFixed(3)} | ${m.top1.toFixed(3)} | ${m.exactSet.toFixed(3)} | ${m.treeScore.toFixed(3)} | ${s.devMicroF1.toFixed(3)} | ${(s.ms / 1000).toFixed(1)} | ${chosen(s)} |`,
    );
  }
  const ours = r.systems.find((s) => s.system === 'lexigraph');
  const peer = r.systems.find((s) => s.system === 'knn-bm25');
  if (ours && peer && peer.metrics.microF1 > 0) {
    const ratio = ours.metrics.microF1 / peer.metrics.microF1;
    lines.push('');
    lines.push(
      `micro-F1 ${ratio.toFixed(3)}× kNN-BM25 (${ours.metrics.microF1 >= peer.metrics.microF1 ? 'ours ahead' : 'kNN-BM25 ahead'}); ` +
        `mean tree score ${ours.metrics.treeScore.toFixed(3)} vs ${peer.metrics.treeScore.toFixed(3)}`,
    );
  }
  return lines;
}
