// Optimizers that apply themselves in one fused pass must match update-then-add to float rounding
// (the fused pass adds with one FMA where the two-pass form rounds the update first).

import XCTest
import MetaCore
import MetaOptimizers
import TestSupport

final class FusedStepTests: XCTestCase {
    func testAdamAndAdamWFusedStepEqualsUpdateThenAdd() throws {
        for text in ["adam:lr=0.01", "adamw:lr=0.003,weight_decay=0.1", "adam:lr=0.01,b1=0.5,b2=0.9,eps=1e-3"] {
            func check<O: Optimizer>(_ o: O) {
                var rng = RandomKey(seed: 4).generator()
                let layout = ParameterLayout([("w", [37]), ("b", [3])])
                var fused = rng.normals(40), plain = fused
                var sf = o.initialState(parameters: fused, layout: layout), sp = sf
                for t in 0..<12 {
                    let g = rng.normals(40)
                    let ctx = StepContext(step: t, layout: layout)
                    var g1 = g
                    o.step(&fused, gradient: &g1, state: &sf, context: ctx)
                    var u = g
                    o.update(&u, state: &sp, parameters: plain, context: ctx)
                    for i in plain.indices { plain[i] += u[i] }
                }
                assertClose(fused, plain, rtol: 1e-6, atol: 1e-7, text)
            }
            check(try OptimizerCatalogue.handDesigned.make(text))
        }
    }
}
