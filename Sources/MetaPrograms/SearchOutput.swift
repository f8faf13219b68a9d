// Choosing the search's task sets from the zoo and writing its results: the best programs as `.prog`
// text with their scores in the header, progress.csv, progress.svg (best fitness against evaluations)
// and summary.md.

import Foundation
import MetaCore
import MetaEvaluation
import MetaTasks

public enum SearchTasks {
    /// Families cheap enough for the proxy and funnel sets, in the order picks rotate through them.
    public static let families: [TaskFamilyName] = [.function2d, .quadratic, .mlp]

    /// Proxy and funnel (`funnelFactor` × larger, disjoint) sets drawn from `list` (the zoo's train
    /// list): tasks of `families` costing at most `maxStepMFLOP` per step, shuffled by `seed`, picked
    /// round-robin over the families so that each set mixes them.
    public static func select(
        from list: TaskList, proxyCount: Int, funnelFactor: Int = 10, maxStepMFLOP: Double, seed: UInt64
    ) throws -> (proxy: [ZooEntry], funnel: [ZooEntry]) {
        let cheap = list.tasks.filter { families.contains($0.config.family) && $0.config.estimatedStepMFLOP <= maxStepMFLOP }
        var rng = RandomKey(seed: seed).fold("search-tasks").generator()
        let shuffled = rng.permutation(cheap.count).map { cheap[$0] }
        var queues = families.map { f in shuffled.filter { $0.config.family == f } }
        func pick(_ n: Int) -> [ZooEntry] {
            var out: [ZooEntry] = []
            var f = 0, empty = 0
            while out.count < n && empty < queues.count {
                if queues[f].isEmpty {
                    empty += 1
                } else {
                    empty = 0
                    out.append(queues[f].removeFirst())
                }
                f = (f + 1) % queues.count
            }
            return out
        }
        let proxy = pick(proxyCount)
        let funnel = pick(proxyCount * funnelFactor)
        guard proxy.count == proxyCount, funnel.count == proxyCount * funnelFactor else {
            throw SpecError("search tasks", "the '\(list.name)' list has only \(cheap.count) tasks of \(families.map(\.rawValue).joined(separator: ", ")) "
                + "under \(maxStepMFLOP) MFLOP per step; \(proxyCount * (1 + funnelFactor)) are needed")
        }
        return (proxy, funnel)
    }
}

public enum SearchOutput {
    static func f(_ x: Double) -> String { String(format: "%.4f", x) }

    /// Header lines for a program file: what it is and how it scored against AdamW.
    public static func header(name: String, program: ScoredProgram, state: ProgramSearchState, note: String? = nil) -> [String] {
        let c = state.config
        var lines = [
            "\(name): found by `metatrain search` (seed \(c.seed), \(state.evaluations) evaluations, \(state.generated) programs generated)",
            "fitness = mean normalized validation loss (lower is better), best of lr in \(c.learningRates.map { Program.format($0) }.joined(separator: ", ")) per task",
            "proxy (\(c.proxyTasks.count) tasks, \(c.proxySteps) steps): \(f(program.proxyFitness)) vs AdamW \(f(state.baseline.proxyFitness))",
        ]
        if let fun = program.funnelFitness {
            lines.append("funnel (\(c.funnelTasks.count) tasks, \(c.funnelSteps) steps): \(f(fun)) vs AdamW \(f(state.baseline.funnelFitness!))")
        }
        if let note { lines.append(note) }
        return lines
    }

    public static func csv(_ state: ProgramSearchState) -> String {
        var lines = ["generation,generated,valid,evaluations,cache_hits,funnel_evaluations,best_proxy_fitness,best_funnel_fitness,seconds"]
        for p in state.progress {
            lines.append("\(p.generation),\(p.generated),\(p.valid),\(p.evaluations),\(p.cacheHits),\(p.funnelEvaluations),"
                + "\(f(p.bestProxyFitness)),\(f(p.bestFunnelFitness)),\(String(format: "%.1f", p.seconds))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public static func plot(_ state: ProgramSearchState) -> String {
        let start = (x: 0.0, proxy: state.baseline.proxyFitness, funnel: state.baseline.funnelFitness!)
        let proxy = [(x: start.x, y: start.proxy)] + state.progress.map { (x: Double($0.evaluations), y: $0.bestProxyFitness) }
        let funnel = [(x: start.x, y: start.funnel)] + state.progress.map { (x: Double($0.evaluations), y: $0.bestFunnelFitness) }
        let last = Double(max(state.evaluations, 1))
        let baseline = [(x: 0.0, y: start.funnel), (x: last, y: start.funnel)]
        return LineChart.lines(
            title: "Program search: best fitness (mean normalized validation loss, lower is better)",
            xLabel: "proxy evaluations", yLabel: "fitness",
            [("best, funnel set", funnel), ("best, proxy set", proxy), ("AdamW, funnel set", baseline)]).render()
    }

    /// Writes the outputs; `simplified` is the best program after simplification with its funnel score.
    public static func write(_ state: ProgramSearchState, simplified: (Program, Double)?, to directory: String) throws {
        var files: [(name: String, text: String)] = []
        let lr = KnownPrograms.adamw.learningRate
        if let (program, score) = simplified {
            var p = program
            var scored = state.best
            scored.funnelFitness = score
            p.header = header(name: "best (simplified)", program: scored, state: state,
                              note: "unsimplified: proxy \(f(state.best.proxyFitness)), funnel \(f(state.best.funnelFitness!)); simplification removed statements costing < \(state.config.simplifyTolerance * 100)% fitness")
            p.learningRate = p.learningRate ?? lr
            files.append(("best.prog", p.text))
        }
        for (i, s) in state.finalists.prefix(5).enumerated() {
            var p = ProgramAnalysis.pruned(s.program)
            p.header = header(name: "finalist \(i + 1)", program: s, state: state, note: "dead statements removed, not simplified")
            p.learningRate = p.learningRate ?? lr
            files.append((String(format: "finalist-%02d.prog", i + 1), p.text))
        }
        // The programs and the summary before the curves: a full disk leaves those.
        files.append(("summary.md", summary(state, simplified: simplified)))
        files.append(("progress.csv", csv(state)))
        files.append(("progress.svg", plot(state)))
        try AtomicFile.writeAll(files, in: directory)
    }

    public static func summary(_ state: ProgramSearchState, simplified: (Program, Double)?) -> String {
        let c = state.config
        var s = "# Program search\n\n"
        s += "- seed \(c.seed), population \(c.populationSize), tournament \(c.tournamentSize), batch \(c.batch), restart after \(c.restartAfter) evaluations without a new best\n"
        s += "- budget \(c.budget) proxy evaluations; learning rates \(c.learningRates.map { Program.format($0) }.joined(separator: ", ")) per program (best per task by validation loss)\n"
        s += "- proxy tasks (\(c.proxySteps) steps): \(c.proxyTasks.joined(separator: ", "))\n"
        s += "- funnel tasks (\(c.funnelSteps) steps): \(c.funnelTasks.count) train-list tasks\n\n"
        s += "| generated | valid | valid rate | evaluations | cache hits | cache hit rate | funnel evaluations | restarts | wall time |\n|---|---|---|---|---|---|---|---|---|\n"
        s += "| \(state.generated) | \(state.valid) | \(String(format: "%.1f%%", 100 * state.validRate)) | \(state.evaluations) | \(state.cacheHits) | "
            + "\(String(format: "%.1f%%", 100 * state.cacheHitRate)) | \(state.funnelEvaluations) | \(state.restarts) | \(String(format: "%.1f min", state.seconds / 60)) |\n\n"
        s += "AdamW: proxy \(f(state.baseline.proxyFitness)), funnel \(f(state.baseline.funnelFitness!)).\n"
        s += "Best: proxy \(f(state.best.proxyFitness)), funnel \(f(state.best.funnelFitness!))"
        s += state.best.hash == state.baseline.hash ? " (no program beat AdamW through the funnel).\n" : ".\n"
        if let (p, score) = simplified {
            s += "\nBest, simplified (funnel \(f(score))):\n\n```\n\(p.body)\n```\n"
        }
        return s
    }
}
