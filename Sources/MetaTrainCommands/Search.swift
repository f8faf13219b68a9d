// `metatrain search`: evolve optimizer programs from AdamW (docs/architecture.md §7). Reads flags, picks the task
// sets from the zoo's train list, runs `ProgramSearch` with a live line, saves its state after each
// generation that is at least --save-every seconds after the last save and on Ctrl-C, and writes the
// results. The algorithm lives in MetaPrograms.

import ArgumentParser
import Foundation
import MetaCore
import MetaEvaluation
import MetaPrograms
import MetaTasks

/// Searches for optimizer programs by regularized evolution.
struct Search: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Search for optimizer programs by regularized evolution from AdamW; write the best as text.",
        discussion: """
        Fitness: the mean over the proxy tasks (cheap 2D-function, quadratic and MLP tasks of the zoo's \
        train list) of the normalized final validation loss, each program (AdamW included) run at every \
        rate of --learning-rates and scored with its best rate per task. A program that beats AdamW on \
        the proxy tasks is re-scored on a 10× larger disjoint set (funnel) and only there may become the \
        best. Writes OUT/best.prog (simplified), finalist-NN.prog, progress.csv, progress.svg, \
        summary.md and search-state.json (continue an interrupted search with --resume). Results depend \
        only on the settings and --seed, not on --threads.
        """)

    @OptionGroup var zoo: ZooOptions
    @Option(help: "Proxy evaluations to spend (programs trained; cache hits are free).")
    var budget: Int
    @OptionGroup var output: OutputDirectoryOptions
    @Flag(help: "Continue the search saved in OUT/search-state.json (its settings are kept; --budget may extend it).")
    var resume = false
    @OptionGroup var settings: SearchSettings
    @Option(help: "End after this many minutes of wall time: results are written as at the end of the budget, and --resume continues.")
    var maxMinutes: Double?
    @Option(help: "Save the state at most every N seconds (and always at the end and on Ctrl-C).")
    var saveEvery = 60.0
    @OptionGroup var workers: WorkerThreadsOptions

    func validate() throws {
        try FlagLimits.check(budget, FlagLimits.positive, "--budget")
    }

    func run() throws {
        let out = output.out, threads = workers.threads
        let trainList = try zoo.locate().list("train")
        let stateFile = SearchStateFile(directory: out)
        let progress = ProgressLine()
        let search: ProgramSearch
        if resume {
            var state = try stateFile.load()
            state.config.budget = max(state.config.budget, budget)
            try OutputDirectory.prepare(out)
            let (proxy, funnel) = try Self.fitness(state.config, trainList: trainList, threads: threads)
            search = ProgramSearch(state: state, proxy: proxy, funnel: funnel)
            progress.log("search: resuming at generation \(state.generation), \(state.evaluations)/\(state.config.budget) evaluations; writing to \(out)")
        } else {
            guard !stateFile.exists else {
                throw ValidationError("--out: \(out) already holds a search (search-state.json); continue it with --resume or choose another directory")
            }
            let config = try settings.config(budget: budget, trainList: trainList)
            try OutputDirectory.prepare(out)
            let (proxy, funnel) = try Self.fitness(config, trainList: trainList, threads: threads)
            progress.log("search: \(config.proxyTasks.count) proxy tasks × \(config.learningRates.count) rates × \(config.proxySteps) steps, funnel \(config.funnelTasks.count) tasks; "
                + "population \(config.populationSize), batch \(config.batch), budget \(config.budget) evaluations, \(threads) threads; scoring AdamW…")
            search = ProgramSearch(config: config, proxy: proxy, funnel: funnel)
        }

        let stop = Interruption.install()
        let start = progress.elapsed
        func elapsed() -> Double { progress.elapsed - start }
        var lastSave = elapsed()
        let firstEvaluations = search.state.evaluations
        var timeUp = false
        search.run(shouldStop: {
            timeUp = maxMinutes.map { elapsed() >= 60 * $0 } ?? false
            return stop.requested || timeUp
        }) { s in
            if elapsed() - lastSave >= saveEvery {
                try? stateFile.save(s)
                lastSave = elapsed()
            }
            progress.update(SearchProgress.text(s, firstEvaluations: firstEvaluations, elapsed: elapsed()), final: s.finished)
        }
        progress.finish()

        let s = search.state
        try stateFile.save(s)
        let resumeHint = "metatrain search --resume --budget \(s.config.budget) --out \(out)"
        if !s.finished && !timeUp {
            try SearchOutput.write(s, simplified: nil, to: out)
            progress.log("stopped at generation \(s.generation) (\(s.evaluations)/\(s.config.budget) evaluations): state saved; continue with\n  \(resumeHint)")
            // Exit as a program stopped by SIGINT does (128 + 2).
            throw ExitCode(130)
        }
        if !s.finished {
            progress.log("--max-minutes reached at generation \(s.generation) (\(s.evaluations)/\(s.config.budget) evaluations): writing results; continue with\n  \(resumeHint)")
        }
        var simplified: (Program, Double)?
        if s.best.hash != s.baseline.hash {
            progress.log("simplifying the best program on the funnel set…")
            simplified = ProgramSearch.simplify(s.best.program, score: s.best.funnelFitness!, on: search.funnel, tolerance: s.config.simplifyTolerance)
        }
        try SearchOutput.write(s, simplified: simplified, to: out)
        print(SearchOutput.summary(s, simplified: simplified))
        print("results: \(out)")
    }

    /// The proxy and funnel fitness of `config`, its task ids looked up in the zoo's train list.
    static func fitness(_ config: ProgramSearchConfig, trainList: TaskList, threads: Int) throws -> (proxy: ProgramFitness, funnel: ProgramFitness) {
        let byId = Dictionary(trainList.tasks.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        func tasks(_ ids: [String]) throws -> [ComparisonTask] {
            try ids.map { id in
                guard let e = byId[id] else { throw ValidationError("task '\(id)' of the saved search is not in the zoo's train list") }
                return ComparisonTask(name: e.id, config: e.config)
            }
        }
        return (try ProgramFitness(tasks: tasks(config.proxyTasks), steps: config.proxySteps, learningRates: config.learningRates, threads: threads),
                try ProgramFitness(tasks: tasks(config.funnelTasks), steps: config.funnelSteps, learningRates: config.learningRates, threads: threads))
    }
}
