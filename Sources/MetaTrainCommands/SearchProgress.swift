// The live line of `metatrain search` on the shared `ProgressLine`: generation, evaluations against the
// budget, cache hits, valid children, best fitness against AdamW, elapsed time and ETA.

import Foundation
import MetaCore
import MetaPrograms

/// Formats a search's state as its progress line.
enum SearchProgress {
    /// `gen 3  generated 40  evaluated 32/100  cache hits 20.0%  valid 90.0%  best 0.9120 (AdamW 1.0000)  elapsed 0:12  ETA 0:25`;
    /// the rate (for the ETA) counts only the evaluations since `firstEvaluations` (where this process began).
    static func text(_ s: ProgramSearchState, firstEvaluations: Int, elapsed: Double) -> String {
        let rate = Double(s.evaluations - firstEvaluations) / max(elapsed, 1e-9)
        let remaining = Double(s.config.budget - s.evaluations) / rate
        let eta = remaining.isFinite && remaining < 1e7 ? ProgressLine.duration(remaining) : "-"
        return String(
            format: "gen %d  generated %d  evaluated %d/%d  cache hits %.1f%%  valid %.1f%%  best %.4f (AdamW %.4f)  elapsed %@  ETA %@",
            s.generation, s.generated, s.evaluations, s.config.budget, 100 * s.cacheHitRate, 100 * s.validRate,
            s.best.funnelFitness!, s.baseline.funnelFitness!, ProgressLine.duration(elapsed), eta)
    }
}
