// The layers of src/, top to bottom (docs/architecture.md). A folder may import only the folders
// listed below it here; `npm run lint` fails on any other import, and on any cycle of modules.
const layers = [
  ['boot'],
  ['cli'],
  ['desktop'],
  ['run'],
  ['cache', 'views'],
  ['overlay'],
  ['arch', 'script', 'index'],
  ['resolver'],
  ['base'],
];

const below = (at) => layers.slice(at + 1).flat();
const forbidden = layers.flatMap((folders, at) =>
  folders.map((folder) => ({
    name: `${folder}-imports-only-below`,
    comment: `src/${folder} may import only ${below(at).join(', ') || 'nothing of src/'} (and itself)`,
    severity: 'error',
    from: { path: `^src/${folder}/` },
    to: { path: '^src/', pathNot: [`^src/${folder}/`, ...below(at).map((f) => `^src/${f}/`)] },
  })),
);

module.exports = {
  forbidden: [
    ...forbidden,
    { name: 'no-cycle', severity: 'error', from: { path: '^src/' }, to: { circular: true } },
    {
      name: 'every-module-in-a-layer',
      severity: 'error',
      from: { path: '^src/', pathNot: layers.flat().map((f) => `^src/${f}/`) },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
