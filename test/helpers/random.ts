// The tests' random data comes from the package's own seeded generator (src/compare/random.ts),
// so the comparison harness and the tests see the same numbers for the same seeds.
export {distinct, rng, shuffled, uniform} from '../../src/compare/random';
