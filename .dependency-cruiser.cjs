// The import-cycle check of `npm run lint` (issue 16): no module of any package may import itself back, through
// any chain of imports, type-only imports included. Run: `npm run lint:cycles`.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'An import cycle: move the shared piece into a leaf module both sides import (packages/mesh-core/README.md "Where things live").',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    // Only each package's own source: other workspace packages and node_modules are leaves here (the package
    // graph itself is acyclic: apps -> tools and redis -> core).
    doNotFollow: { path: ['node_modules', '(^|/)dist/'] },
    exclude: { path: ['(^|/)dist/', '\\.test\\.ts$', '(^|/)src/gen/'] },
    // Type-only imports count: a cycle of types is still two rooms that need each other.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
  },
};
