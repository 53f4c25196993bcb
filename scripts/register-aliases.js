// Resolves the `@remit/<lib>` path aliases of tsconfig.json inside the compiled dist/ tree.
const path = require('node:path');
const tsconfigPaths = require('tsconfig-paths');

tsconfigPaths.register({
  baseUrl: path.join(__dirname, '..', 'dist'),
  paths: { '@remit/*': ['libs/*/src'] },
});
