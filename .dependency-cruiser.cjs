// Import boundaries, checked by `npm run lint:imports` (part of `npm test`). See CONTRIBUTING.md,
// "Shape": pure rules live in libs/ and know no framework; each app stands alone; apps reach libs
// through the `@remit/*` aliases only.
const PURE_LIBS = '^libs/(money|calendar|ach|fees|contracts)/';
const FRAMEWORKS = '^node_modules/(@nestjs/|typeorm/|kafkajs/|bullmq/|ioredis/|@nestjs$)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'pure-lib-imports-framework',
      comment:
        'money, calendar, ach, fees and contracts are pure: no NestJS, TypeORM, kafkajs, BullMQ or ioredis',
      severity: 'error',
      from: { path: PURE_LIBS },
      to: { path: FRAMEWORKS },
    },
    {
      name: 'pure-lib-imports-infrastructure-lib',
      comment:
        'a pure lib may use other pure libs, never platform, messaging or persistence (they bring the frameworks)',
      severity: 'error',
      from: { path: PURE_LIBS },
      to: { path: '^libs/(platform|messaging|persistence)/' },
    },
    {
      name: 'app-imports-another-app',
      comment: 'each service owns its code; what two apps share belongs in libs/',
      severity: 'error',
      from: { path: '^apps/([^/]+)/' },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    {
      name: 'lib-imports-app',
      comment: 'libs/ serve the apps and never depend on one',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'app-reaches-lib-by-relative-path',
      comment: 'apps import libs through the @remit/* path aliases, never ../../libs/...',
      severity: 'error',
      from: { path: '^apps/' },
      to: { path: '^libs/', dependencyTypesNot: ['aliased-tsconfig'] },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'an import that resolves to nothing',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|coverage|\\.cache|\\.run)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
