/**
 * The package.json that goes into `npm pack`'s tarball has no scripts: `prepare` builds dist/ in a
 * clone or a git install, but a tarball already holds dist/, and npm warns about every install
 * script a dependency lists. `strip` (prepack) keeps the file's text aside and writes it without
 * scripts; `restore` (postpack) puts the text back. A pack that fails in between leaves the text in
 * package.json.orig, and the next `strip` or `restore` puts it back.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const manifest = fileURLToPath(new URL('../package.json', import.meta.url));
const kept = `${manifest}.orig`;
const command = process.argv[2];

if (command === 'strip') {
  // A pack that failed between the two steps left the full manifest aside: put it back first.
  if (existsSync(kept)) renameSync(kept, manifest);
  const text = readFileSync(manifest, 'utf8');
  writeFileSync(kept, text);
  const fields = JSON.parse(text) as Record<string, unknown>;
  delete fields.scripts;
  writeFileSync(manifest, `${JSON.stringify(fields, null, 2)}\n`);
} else if (command === 'restore') {
  if (existsSync(kept)) renameSync(kept, manifest);
} else {
  throw new Error(`pack-manifest: expected 'strip' or 'restore', got ${String(command)}`);
}
