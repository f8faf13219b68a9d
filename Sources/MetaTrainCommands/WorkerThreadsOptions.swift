// `--threads N`: worker threads of a command that runs many inner trainings in parallel (`compare`,
// `search`). Results never depend on it.

import ArgumentParser
import MetaCore

/// How many worker threads run in parallel.
struct WorkerThreadsOptions: ParsableArguments {
    @Option(help: "Worker threads (default: the number of cores).")
    var threads = Parallel.availableCores

    func validate() throws {
        try FlagLimits.check(threads, FlagLimits.workerThreads, "--threads")
    }
}
