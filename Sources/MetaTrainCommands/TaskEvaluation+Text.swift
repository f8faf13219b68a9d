// A task evaluation as the commands print it: `0.31416 (accuracy 91.2%)`.

import Foundation
import MetaTasks

extension TaskEvaluation {
    /// The loss to five significant digits, then the accuracy where the task has one.
    var text: String {
        var s = String(format: "%.5g", loss)
        if let a = accuracy { s += String(format: " (accuracy %.1f%%)", 100 * a) }
        return s
    }
}
