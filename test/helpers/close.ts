// Closeness checks: the package's own error measure (src/compare/errors.ts), which the
// comparison harness reports too.
export type {Closeness} from '../../src/compare/errors';
export {closeness, coords, expectClose} from '../../src/compare/errors';
