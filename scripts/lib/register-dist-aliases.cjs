// Resolves the `@remit/<lib>` path aliases inside a compiled tree other than dist/ (the chaos run builds
// into its own, .run/chaos/dist): its absolute path comes in REMIT_DIST_DIR. scripts/register-aliases.js
// does the same for dist/.
const path = require('node:path');
const tsconfigPaths = require('tsconfig-paths');

const distDir = process.env.REMIT_DIST_DIR;
if (!distDir) throw new Error('REMIT_DIST_DIR (the compiled tree) is not set');

tsconfigPaths.register({
  baseUrl: path.resolve(distDir),
  paths: { '@remit/*': ['libs/*/src'] },
});
