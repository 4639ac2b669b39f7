// prepack guard of every @edgeq package: refuses to pack a package when any src/*.ts has
// no dist/*.js or one older than its source, so a tarball never ships stale or absent
// JavaScript. Run from the package directory (npm and pnpm run lifecycle scripts there).
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

function* sources(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(full);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) yield full;
  }
}
for (const source of sources('src')) {
  const built = path.join('dist', path.relative('src', source)).replace(/\.ts$/, '.js');
  if (!existsSync(built) || statSync(built).mtimeMs < statSync(source).mtimeMs) {
    console.error(`${path.basename(process.cwd())}: ${built} is missing or older than ${source}; run scripts/build-packages.sh first`);
    process.exit(1);
  }
}
