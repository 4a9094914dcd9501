import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const DOCUMENT = join(ROOT, 'docs', 'wire-contract.md');
const SOURCES = join(ROOT, 'src');

/** A rule's heading: `## C<n> — <title>`. */
const RULE_HEADING = /^## C(\d+)\b(.*)$/gm;

/**
 * A rule id cited in the code: `contract C5`, `(C3)`, `C4:`, `C2,`. Every match of a bare
 * /\bC\d{1,2}\b/ in src/ is such a citation today; the pattern is narrowed only against what
 * would otherwise pass for one. `\b` already keeps hex literals and escapes out (`0xC5`, `\xC3`,
 * `\u00C5`: a letter or digit stands before the C). Ids start at 1 without a leading zero, so
 * `C0` (the control-character set) and `C07` are not ids. A `#` before it is a CSS colour
 * (`#C00`, `#C12`), not a rule.
 */
const RULE_REFERENCE = /(?<!#)\bC([1-9]\d?)\b/g;

function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return typeScriptFiles(path);
    return entry.isFile() && entry.name.endsWith('.ts') ? [path] : [];
  });
}

function documentedRules(): { id: number; title: string }[] {
  return [...readFileSync(DOCUMENT, 'utf8').matchAll(RULE_HEADING)].map((m) => ({
    id: Number(m[1]),
    title: m[2],
  }));
}

/** Rule id -> the files under src/ that cite it. */
function citedRules(): Map<number, string[]> {
  const cited = new Map<number, string[]>();
  for (const file of typeScriptFiles(SOURCES)) {
    const ids = new Set(
      [...readFileSync(file, 'utf8').matchAll(RULE_REFERENCE)].map((m) => Number(m[1])),
    );
    for (const id of ids) cited.set(id, [...(cited.get(id) ?? []), relative(ROOT, file)]);
  }
  return cited;
}

describe('the wire contract in docs/wire-contract.md', () => {
  it('numbers its rules C1 to Cn, each once, in order, with a heading `## Cn — title`', () => {
    const rules = documentedRules();
    expect(rules.length).toBeGreaterThan(0);
    expect(rules.map((r) => r.id)).toEqual(rules.map((_, i) => i + 1));
    const malformed = rules.filter((r) => !/^ — \S/.test(r.title)).map((r) => `C${r.id}`);
    expect(malformed, `headings not of the form "## Cn — title": ${malformed.join(', ')}`).toEqual(
      [],
    );
  });

  it('holds every rule the code cites', () => {
    const documented = new Set(documentedRules().map((r) => r.id));
    const cited = citedRules();
    expect(cited.size).toBeGreaterThan(0);
    const missing = [...cited]
      .filter(([id]) => !documented.has(id))
      .sort(([a], [b]) => a - b)
      .map(([id, files]) => `C${id} (cited in ${files.join(', ')})`);
    expect(
      missing,
      `rules cited in src/ but missing from the document: ${missing.join('; ')}`,
    ).toEqual([]);
  });
});
