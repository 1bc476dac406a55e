// Bundles the console into the jar's resources: hashed assets, index.html naming them, a .gz of
// each text asset (the server sends it to browsers that take gzip) and MANIFEST, the list the
// server loads at start.
import * as esbuild from 'esbuild';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import path from 'node:path';

const out = path.resolve(process.argv[2] ?? 'target/classes/dev/berth/web');
await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });

const result = await esbuild.build({
  entryPoints: { app: 'src/main.js' },
  bundle: true,
  splitting: true, // the terminal and the player load with the pages that need them
  format: 'esm',
  minify: true,
  sourcemap: false,
  target: ['chrome110', 'firefox115', 'safari16'],
  outdir: path.join(out, 'assets'),
  entryNames: '[name]-[hash]',
  chunkNames: 'chunk-[hash]',
  assetNames: '[name]-[hash]',
  loader: { '.woff2': 'file', '.woff': 'file', '.ttf': 'file', '.svg': 'file' },
  metafile: true,
  logLevel: 'warning',
});

const files = Object.keys(result.metafile.outputs).map((f) => path.relative(out, path.resolve(f)));
const js = files.find((f) => /^assets\/app-[^/]+\.js$/.test(f));
const css = files.find((f) => /^assets\/app-[^/]+\.css$/.test(f));
const template = await readFile('src/index.html', 'utf8');
const html = template.replace('%APP_JS%', '/' + js).replace('%APP_CSS%', css ? '/' + css : '');
await writeFile(path.join(out, 'index.html'), html);
files.push('index.html');

const manifest = [];
for (const f of files.sort()) {
  manifest.push(f);
  if (/\.(js|css|html|svg)$/.test(f)) {
    const bytes = await readFile(path.join(out, f));
    await writeFile(path.join(out, f + '.gz'), gzipSync(bytes, { level: 9 }));
  }
}
await writeFile(path.join(out, 'MANIFEST'), manifest.join('\n') + '\n');
console.log(`berth-web: ${manifest.length} files in ${out}`);
