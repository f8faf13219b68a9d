// One place that turns a spec into an optimizer for every command. Later kinds (learned optimizers
// `lo:PATH`, programs `program:PATH`) register a resolver here instead of changing the commands.

import MetaCore
import MetaOptimizers

public enum OptimizerResolver {
    /// Consulted in order before the hand-designed registry; return nil to pass.
    nonisolated(unsafe) public static var resolvers: [(OptimizerSpec) throws -> (any Optimizer)?] = []

    public static func make(_ spec: OptimizerSpec) throws -> any Optimizer {
        for r in resolvers {
            if let o = try r(spec) { return o }
        }
        return try OptimizerRegistry.make(spec)
    }
}
