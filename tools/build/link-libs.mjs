// After `tsc -p tsconfig.build.json` has compiled apps and libs into dist/, make `require('@gridex/<lib>')`
// resolve there at run time: Node walks up from dist/apps/<app>/src to dist/node_modules/@gridex/<lib>, a small
// package whose main is the compiled lib. (tsc does not rewrite the path aliases of tsconfig.base.json.)
import { mkdirSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = path.join(root, 'dist');
for (const lib of readdirSync(path.join(dist, 'libs'))) {
  const entry = path.join(dist, 'libs', lib, 'src', 'index.js');
  if (!existsSync(entry)) continue;
  const pkgDir = path.join(dist, 'node_modules', '@gridex', lib);
  mkdirSync(pkgDir, { recursive: true });
  writeFileSync(
    path.join(pkgDir, 'package.json'),
    `${JSON.stringify({ name: `@gridex/${lib}`, private: true, main: path.relative(pkgDir, entry) }, null, 2)}\n`,
  );
}
