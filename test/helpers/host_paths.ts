// The host kernels (cpu and wasm backends) have two paths, the WebAssembly SIMD module and the
// scalar TypeScript kernels (kernels/simd/runtime.ts): suites that check values run on both.

import {HostPath, hostPath, setHostPath, simdSupported} from '../../kernels/simd/runtime';

export const HOST_PATHS: readonly HostPath[] = ['simd', 'scalar'];

/** describe(title) once per host path, that path set for its tests. In Node 20 the engine has
 *  WebAssembly SIMD: the 'simd' run fails rather than silently running the scalar kernels. */
export function describeHostPaths(title: string, body: (path: HostPath) => void): void {
  describe.each(HOST_PATHS.map((p) => [p]))(`${title} [%s host kernels]`, (path: HostPath) => {
    beforeAll(() => {
      setHostPath(path);
      if (path === 'simd' && !simdSupported())
        throw new Error('this engine has no WebAssembly SIMD');
      expect(hostPath()).toBe(path);
    });
    afterAll(() => setHostPath('simd'));
    body(path);
  });
}
