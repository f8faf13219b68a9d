// A choice of zoo task lists as a command-line value (`zoo cost --list`): one list, or all of them.

import ArgumentParser
import MetaTasks

/// `train`, `valid`, `heldout` or `all`.
enum TaskListChoice: String, ExpressibleByArgument, CaseIterable {
    case train, valid, heldout, all

    /// The zoo list names chosen, in the zoo's order.
    var listNames: [String] { self == .all ? TaskZoo.listNames : [rawValue] }
}
