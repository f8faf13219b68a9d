// One inner training run's curve as CSV (`optimize --out` writes it as curve.csv).

import MetaEvaluation

/// A per-step curve as CSV (`step,train_loss,validation_loss,test_loss`; empty where not measured).
enum CurveCSV {
    static func text(_ curve: [CurvePoint]) -> String {
        func cell(_ x: Float?) -> String {
            guard let x, x.isFinite || x.isInfinite else { return "" }
            return "\(x)"
        }
        var s = "step,train_loss,validation_loss,test_loss\n"
        for p in curve { s += "\(p.step),\(cell(p.trainLoss)),\(cell(p.validationLoss)),\(cell(p.testLoss))\n" }
        return s
    }
}
