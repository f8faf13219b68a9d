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
    @Option(help: "Output directory.")
    var out: String
    @Flag(help: "Continue the search saved in OUT/search-state.json (its settings are kept; --budget may extend it).")
    var resume = false
    @Option(help: "Random seed.")
    var seed: UInt64 = 0
    @Option(help: "Population size.")
    var population = 48
    @Option(help: "Tournament size.")
    var tournament = 2
    @Option(help: "Children per generation (evaluated in parallel).")
    var batch = 8
    @Option(help: "Proxy tasks (the funnel set has 10×).")
    var proxyTasks = 4
    @Option(help: "Inner steps per proxy run.")
    var proxySteps = 100
    @Option(help: "Inner steps per funnel run.")
    var funnelSteps = 100
    @Option(help: "Learning rates every program is run at (best per task), comma-separated.")
    var learningRates = "0.001,0.01,0.1"
    @Option(help: "Only tasks costing at most this many MFLOP per step.")
    var maxStepMflop = 2.0
    @Option(help: "Restart the population after this many evaluations without a new best (0: never).")
    var restartAfter = 300
    @Option(help: "Most statements a program may have.")
    var maxStatements = 24
    @Option(help: "End after this many minutes of wall time: results are written as at the end of the budget, and --resume continues.")
    var maxMinutes: Double?
    @Option(help: "Save the state at most every N seconds (and always at the end and on Ctrl-C).")
    var saveEvery = 60.0
    @Option(help: "Worker threads (default: the number of cores).")
    var threads = Parallel.availableCores

    func validate() throws {
        guard budget >= 1 else { throw ValidationError("--budget must be at least 1, got \(budget)") }
        guard !out.isEmpty else { throw ValidationError("--out must name a directory") }
        guard population >= 2 else { throw ValidationError("--population must be at least 2, got \(population)") }
        guard (1...population).contains(tournament) else { throw ValidationError("--tournament must be in 1…\(population), got \(tournament)") }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1, got \(batch)") }
        guard proxyTasks >= 1 else { throw ValidationError("--proxy-tasks must be at least 1, got \(proxyTasks)") }
        guard proxySteps >= 1, funnelSteps >= 1 else { throw ValidationError("--proxy-steps and --funnel-steps must be at least 1") }
        guard restartAfter >= 0 else { throw ValidationError("--restart-after must be at least 0, got \(restartAfter)") }
        guard maxStatements >= 2 else { throw ValidationError("--max-statements must be at least 2, got \(maxStatements)") }
        guard (1...1024).contains(threads) else { throw ValidationError("--threads must be in 1…1024, got \(threads)") }
        _ = try rates()
    }

    func rates() throws -> [Float] {
        let parts = learningRates.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let values = parts.compactMap(Float.init)
        guard !parts.isEmpty, values.count == parts.count, values.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw ValidationError("--learning-rates: expected positive numbers separated by commas, got '\(learningRates)'")
        }
        return values.sorted()
    }

    var statePath: String { URL(fileURLWithPath: out).appendingPathComponent("search-state.json").path }

    func log(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }

    func run() throws {
        let zooDirectory = try zoo.locate()
        let trainList = try zooDirectory.list("train")
        let byId = Dictionary(trainList.tasks.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var state: ProgramSearchState?
        var config = ProgramSearchConfig()
        if resume {
            guard let data = FileManager.default.contents(atPath: statePath) else {
                throw ValidationError("--resume: no search state at \(statePath)")
            }
            do { state = try JSONDecoder().decode(ProgramSearchState.self, from: data) } catch {
                throw SpecError.from(error, file: statePath)
            }
            state!.config.budget = max(state!.config.budget, budget)
            config = state!.config
        } else {
            if FileManager.default.fileExists(atPath: statePath) {
                throw ValidationError("--out: \(out) already holds a search (search-state.json); continue it with --resume or choose another directory")
            }
            let (proxy, funnel) = try SearchTasks.select(from: trainList, proxyCount: proxyTasks, maxStepMFLOP: maxStepMflop, seed: seed)
            config.seed = seed
            config.budget = budget
            config.populationSize = population
            config.tournamentSize = tournament
            config.batch = batch
            config.restartAfter = restartAfter
            config.maxStatements = maxStatements
            config.proxyTasks = proxy.map(\.id)
            config.funnelTasks = funnel.map(\.id)
            config.proxySteps = proxySteps
            config.funnelSteps = funnelSteps
            config.learningRates = try rates()
        }
        func tasks(_ ids: [String]) throws -> [ComparisonTask] {
            try ids.map { id in
                guard let e = byId[id] else { throw ValidationError("task '\(id)' of the saved search is not in the zoo's train list") }
                return ComparisonTask(name: e.id, config: e.config)
            }
        }
        let proxy = try ProgramFitness(tasks: try tasks(config.proxyTasks), steps: config.proxySteps, learningRates: config.learningRates, threads: threads)
        let funnel = try ProgramFitness(tasks: try tasks(config.funnelTasks), steps: config.funnelSteps, learningRates: config.learningRates, threads: threads)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)

        let search: ProgramSearch
        if let state {
            search = ProgramSearch(state: state, proxy: proxy, funnel: funnel)
            log("search: resuming at generation \(state.generation), \(state.evaluations)/\(config.budget) evaluations; writing to \(out)")
        } else {
            log("search: \(config.proxyTasks.count) proxy tasks × \(config.learningRates.count) rates × \(config.proxySteps) steps, funnel \(config.funnelTasks.count) tasks; "
                + "population \(config.populationSize), batch \(config.batch), budget \(config.budget) evaluations, \(threads) threads; scoring AdamW…")
            search = ProgramSearch(config: config, proxy: proxy, funnel: funnel)
        }
        let stop = Interruption.install()
        let start = DispatchTime.now().uptimeNanoseconds
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        var lastSave = elapsed()
        var lastPlain = -1e9
        let tty = isatty(STDERR_FILENO) != 0
        let firstEvaluations = search.state.evaluations
        var timeUp = false
        search.run(shouldStop: {
            timeUp = maxMinutes.map { elapsed() >= 60 * $0 } ?? false
            return stop.requested || timeUp
        }) { s in
            if elapsed() - lastSave >= saveEvery {
                try? save(s)
                lastSave = elapsed()
            }
            let rate = Double(s.evaluations - firstEvaluations) / max(elapsed(), 1e-9)
            let eta = Double(s.config.budget - s.evaluations) / max(rate, 1e-9)
            let line = String(
                format: "gen %d  generated %d  evaluated %d/%d  cache hits %.1f%%  valid %.1f%%  best %.4f (AdamW %.4f)  elapsed %@  ETA %@",
                s.generation, s.generated, s.evaluations, s.config.budget, 100 * s.cacheHitRate, 100 * s.validRate,
                s.best.funnelFitness!, s.baseline.funnelFitness!, clock(elapsed()), clock(eta))
            if tty {
                FileHandle.standardError.write(Data(("\r" + line + "   ").utf8))
            } else if elapsed() - lastPlain >= 30 || s.finished {
                lastPlain = elapsed()
                log(line)
            }
        }
        if tty { log("") }
        let s = search.state
        try save(s)
        let resumeHint = "metatrain search --resume --budget \(s.config.budget) --out \(out)"
        if !s.finished && !timeUp {
            try SearchOutput.write(s, simplified: nil, to: out)
            log("stopped at generation \(s.generation) (\(s.evaluations)/\(s.config.budget) evaluations): state saved; continue with\n  \(resumeHint)")
            return
        }
        if !s.finished {
            log("--max-minutes reached at generation \(s.generation) (\(s.evaluations)/\(s.config.budget) evaluations): writing results; continue with\n  \(resumeHint)")
        }
        var simplified: (Program, Double)?
        if s.best.hash != s.baseline.hash {
            log("simplifying the best program on the funnel set…")
            simplified = ProgramSearch.simplify(s.best.program, score: s.best.funnelFitness!, on: funnel, tolerance: s.config.simplifyTolerance)
        }
        try SearchOutput.write(s, simplified: simplified, to: out)
        print(SearchOutput.summary(s, simplified: simplified))
        print("results: \(out)")
    }

    func save(_ s: ProgramSearchState) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try AtomicFile.write(try encoder.encode(s), to: statePath)
    }

    func clock(_ s: Double) -> String {
        guard s.isFinite, s < 1e7 else { return "-" }
        return String(format: "%d:%02d", Int(s) / 60, Int(s) % 60)
    }
}
