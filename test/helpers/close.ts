// Closeness checks: the package's own error measure (src/compare/errors.ts), which the
// comparison harness reports too.
export type {Comparison} from '../../src/compare/errors';
export {compare, coords, expectClose} from '../../src/compare/errors';
