// Minimal typings for the two wink packages the bench uses (they ship none).
declare module 'wink-bm25-text-search' {
  interface WinkBm25Config {
    fldWeights: Record<string, number>;
    bm25Params?: { k1?: number; b?: number; k?: number };
    ovFldNames?: string[];
  }
  type PrepTask = (input: any) => any; // eslint-disable-line @typescript-eslint/no-explicit-any
  interface WinkBm25 {
    defineConfig(cfg: WinkBm25Config): boolean;
    definePrepTasks(tasks: PrepTask[], field?: string): number;
    addDoc(doc: Record<string, string>, id: string): number;
    consolidate(fp?: number): boolean;
    search(text: string, limit?: number): [string, number][];
  }
  function bm25(): WinkBm25;
  export = bm25;
}

declare module 'wink-nlp-utils' {
  const nlp: {
    string: { lowerCase(s: string): string; tokenize0(s: string): string[] };
    tokens: { removeWords(t: string[]): string[]; stem(t: string[]): string[] };
  };
  export = nlp;
}
