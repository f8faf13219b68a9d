// Replays optimizer trajectories recorded by an outside implementation (optax) and measures how far
// ours drift from them. The file format is the one of Tests/TestSupport/Fixtures/optimizer-trajectories.json:
//
//   { "cases": [ { "optimizer": "adam", "hyper": {"lr": 0.001, …},
//                  "shapes": {"w": [4, 6], …}, "params0": {"w": [[…]], …},
//                  "grads": [ {"w": …}, … ],            the gradient fed at each step
//                  "params": [ {"w": …}, … ],           the parameters after each step
//                  "eval_params": [ {"w": …}, … ] } ] } optional: the weights to evaluate after each step
//
// Tensors are flattened row-major in sorted name order (jax's order for a dict). Without `eval_params`,
// `params` is compared with the optimizer's evaluation parameters (Lookahead's slow weights, which is what
// such files record); with it (Schedule-Free: optax's `schedule_free_eval_params`), `params` is compared
// with the parameters the optimizer steps and `eval_params` with its evaluation parameters. A `hyper`
// value may be an array of numbers (prodigy's `betas`). Deliberately not here: printing or exit codes
// (the `metatrain replay` command does that).

import Foundation
import MetaCore

public enum TrajectoryReplay {
    /// One case's outcome.
    public struct CaseResult: Sendable, Hashable {
        /// The case's `name` when it has one, else its optimizer; `index` tells cases apart.
        public var name: String
        public var index: Int
        /// The optimizer as the file names it, and the spec it was mapped to.
        public var optimizer: String
        public var spec: String
        public var steps: Int
        /// The largest `relativeError` over all steps and elements.
        public var maxRelativeError: Double
        /// The first step (1-based) where it occurred.
        public var worstStep: Int
        public var passed: Bool
    }

    /// The pass mark for `maxRelativeError`. float32's unit roundoff is 6e-8; one step of these
    /// rules rounds ~10 times, reductions (norms, Adafactor's means) are summed in another order
    /// than XLA's, and errors compound over tens of steps, so a correct implementation sits at
    /// 1e-7…2e-6 (measured: see the tests); 1e-5 keeps a 5× margin yet fails a wrong constant, a
    /// missing bias correction or an off-by-one step count, which move parameters by ≥1e-4 of
    /// their size within a few steps.
    public static let float32Tolerance: Double = 1e-5

    /// |ours − ref| / max(|ref|, RMS(ref)): relative to each element where it is large, relative to
    /// the typical parameter size where it is near zero (a value that crosses zero cannot be
    /// matched more closely than the rounding of its neighbours' magnitude).
    public static func relativeErrors(ours: [Float], reference: [Float]) -> (max: Double, index: Int) {
        precondition(ours.count == reference.count)
        guard !reference.isEmpty else { return (0, -1) }
        let rms = (reference.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(reference.count)).squareRoot()
        var worst = (max: 0.0, index: -1)
        for i in reference.indices {
            let r = Double(reference[i]), o = Double(ours[i])
            let e = abs(o - r) / max(abs(r), rms, Double(Float.leastNormalMagnitude))
            if !(e <= worst.max) { worst = (e.isNaN ? .infinity : e, i) }
        }
        return worst
    }

    /// Reads and replays every case of a file.
    public static func replay(fileAt path: String) throws -> [CaseResult] {
        if let why = FileErrors.notARegularFile(path) { throw SpecError(path, "cannot read the file (\(why))") }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw SpecError(path, "cannot read the file (\(FileErrors.reason(error)))")
        }
        return try replay(data: data, source: path)
    }

    /// Replays every case of a file's contents; `source` names it in errors.
    public static func replay(data: Data, source: String) throws -> [CaseResult] {
        let root: JSON
        do {
            root = try JSONDecoder().decode(JSON.self, from: data)
        } catch {
            throw SpecError.from(error, file: source, data: data)
        }
        guard case .object(let top) = root else { throw SpecError(source, "expected an object with a 'cases' array") }
        guard case .array(let cases)? = top["cases"] else { throw SpecError(source, "expected a 'cases' array") }
        guard !cases.isEmpty else { throw SpecError(source, "'cases' is empty") }
        return try cases.enumerated().map { index, c in try replayCase(c, index: index, source: source) }
    }

    /// The registry spec for a file's optimizer name and hyperparameters: `lookahead_X` becomes
    /// `lookahead:sync_period=…,slow_step_size=…,inner=[X:…]`, `mechanize_X` becomes
    /// `mechanic:s_init=…,…,inner=[X:…]`; other names map to themselves.
    public static func spec(optimizer: String, hyper rawHyper: [(key: String, value: String)]) -> OptimizerSpec {
        let (optimizer, hyper) = optaxNames(optimizer, rawHyper)
        let lookaheadKeys: Set = ["sync_period", "slow_step_size", "k", "alpha"]
        if optimizer.hasPrefix("lookahead_") {
            let innerName = String(optimizer.dropFirst("lookahead_".count))
            let inner = OptimizerSpec(name: innerName, settings: hyper.filter { !lookaheadKeys.contains($0.key) }.map { ($0.key, .text($0.value)) })
            return OptimizerSpec(name: "lookahead",
                                 settings: hyper.filter { lookaheadKeys.contains($0.key) }.map { ($0.key, .text($0.value)) } + [("inner", .spec(inner))])
        }
        if optimizer.hasPrefix("mechanize_") {
            let innerName = String(optimizer.dropFirst("mechanize_".count))
            let inner = OptimizerSpec(name: innerName, settings: hyper.filter { mechanicKeys[$0.key] == nil }.map { ($0.key, .text($0.value)) })
            return OptimizerSpec(name: "mechanic",
                                 settings: hyper.compactMap { h in mechanicKeys[h.key].map { ($0, .text(h.value)) } } + [("inner", .spec(inner))])
        }
        return OptimizerSpec(name: optimizer, settings: hyper.map { ($0.key, .text($0.value)) })
    }

    /// `mechanize_X` files name Mechanic's own settings apart from X's: file key → `mechanic` key.
    static let mechanicKeys = ["s_init": "s_init", "num_betas": "num_betas", "mechanic_weight_decay": "weight_decay",
                               "mechanic_eps": "eps"]

    /// Accepts optax's own spellings in files: `learning_rate` for `lr` (`adam_learning_rate` for
    /// Muon's `adam_lr`); `sgd` with `momentum` (and `nesterov`) as our `momentum` / `nesterov`; `adamw`
    /// with `nesterov=true` as `nadamw`; prodigy's `betas=[b1, b2]` as `b1`, `b2`; settings at their neutral
    /// value that we do not model (`eps_root=0`, Muon's `adam_eps_root=0`, `nesterov=false` outside Muon,
    /// rmsprop's `momentum=0`, `centered=false`) dropped. Anything else reaches the registry unchanged,
    /// which names what it does not know.
    static func optaxNames(_ optimizer: String, _ hyper: [(key: String, value: String)]) -> (String, [(key: String, value: String)]) {
        var name = optimizer
        let spelled = ["learning_rate": "lr", "adam_learning_rate": "adam_lr"]
        var h: [(key: String, value: String)] = hyper.flatMap { entry -> [(key: String, value: String)] in
            let parts = entry.value.split(separator: ",").map(String.init)
            if entry.key == "betas" && parts.count == 2 { return [("b1", parts[0]), ("b2", parts[1])] }
            return [(spelled[entry.key] ?? entry.key, entry.value)]
        }
        func value(_ k: String) -> String? { h.last { $0.key == k }?.value }
        func isZero(_ v: String?) -> Bool { v.flatMap(Double.init) == 0 }
        let wrapper = ["lookahead_", "mechanize_"].first { name.hasPrefix($0) } ?? ""
        let base = String(name.dropFirst(wrapper.count))
        var renamed = base
        if base == "sgd" || base == "momentum", let m = value("momentum") {
            if isZero(m) {
                h.removeAll { $0.key == "momentum" }
            } else if base == "sgd" {
                renamed = "momentum"
            }
        }
        if base != "muon", let n = value("nesterov") {
            if n == "true" && (renamed == "momentum") { renamed = "nesterov" }
            if n == "true" && (renamed == "adamw") { renamed = "nadamw" }
            if n == "false" || renamed == "nesterov" || renamed == "nadamw" { h.removeAll { $0.key == "nesterov" } }
        }
        if isZero(value("eps_root")) { h.removeAll { $0.key == "eps_root" } }
        if base == "muon" && isZero(value("adam_eps_root")) { h.removeAll { $0.key == "adam_eps_root" } }
        if base == "rmsprop" {
            if isZero(value("momentum")) { h.removeAll { $0.key == "momentum" } }
            if value("centered") == "false" { h.removeAll { $0.key == "centered" } }
        }
        if renamed != base { name = wrapper + renamed }
        return (name, h)
    }

    static func replayCase(_ c: JSON, index: Int, source: String) throws -> CaseResult {
        var location = "\(source): cases[\(index)]"
        guard case .object(let fields) = c else { throw SpecError(location, "expected an object") }
        guard case .string(let optimizerName)? = fields["optimizer"] else { throw SpecError("\(location).optimizer", "expected a string") }
        var name = optimizerName
        if case .string(let n)? = fields["name"] { name = n }
        location += " (\(name))"

        // Hyperparameters, in sorted order so that the spec text is deterministic.
        var hyper: [(key: String, value: String)] = []
        if let h = fields["hyper"] {
            guard case .object(let entries) = h else { throw SpecError("\(location).hyper", "expected an object") }
            for key in entries.keys.sorted() {
                switch entries[key]! {
                case .number(let x):
                    hyper.append((key, x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : "\(x)"))
                case .bool(let b): hyper.append((key, b ? "true" : "false"))
                case .string(let s): hyper.append((key, s))
                case .array(let items):
                    let numbers = items.compactMap { item -> String? in
                        guard case .number(let x) = item else { return nil }
                        return "\(x)"
                    }
                    guard numbers.count == items.count, !numbers.isEmpty else {
                        throw SpecError("\(location).hyper.\(key)", "expected an array of numbers")
                    }
                    hyper.append((key, numbers.joined(separator: ",")))
                case .null: continue  // optax's "not set"
                default: throw SpecError("\(location).hyper.\(key)", "expected a number, true/false, a string or an array of numbers")
                }
            }
        }
        let spec = spec(optimizer: optimizerName, hyper: hyper)

        // Layout.
        guard case .object(let shapeFields)? = fields["shapes"], !shapeFields.isEmpty else {
            throw SpecError("\(location).shapes", "expected an object of tensor name → shape")
        }
        let names = shapeFields.keys.sorted()
        var layout = ParameterLayout()
        for n in names {
            guard case .array(let dims) = shapeFields[n]! else { throw SpecError("\(location).shapes.\(n)", "expected an array of dimensions") }
            var shape: [Int] = []
            for d in dims {
                guard case .number(let x) = d, x == x.rounded(), x >= 1, x < 1e9 else {
                    throw SpecError("\(location).shapes.\(n)", "expected positive integer dimensions")
                }
                shape.append(Int(x))
            }
            layout.append(n, shape: shape)
        }

        func flat(_ value: JSON?, _ path: String) throws -> [Float] {
            guard case .object(let tensors)? = value else { throw SpecError(path, "expected an object of tensor name → values") }
            let extra = Set(tensors.keys).subtracting(names)
            if let e = extra.sorted().first { throw SpecError("\(path).\(e)", "not in 'shapes' (\(names.joined(separator: ", ")))") }
            var out: [Float] = []
            out.reserveCapacity(layout.count)
            for t in layout.tensors {
                guard let v = tensors[t.name] else { throw SpecError("\(path).\(t.name)", "missing") }
                try append(v, shape: t.shape[...], into: &out, path: "\(path).\(t.name)")
            }
            return out
        }

        var parameters = try flat(fields["params0"], "\(location).params0")
        guard case .array(let grads)? = fields["grads"] else { throw SpecError("\(location).grads", "expected an array of steps") }
        guard case .array(let expected)? = fields["params"] else { throw SpecError("\(location).params", "expected an array of steps") }
        guard grads.count == expected.count else {
            throw SpecError(location, "\(grads.count) gradient steps but \(expected.count) parameter steps")
        }
        guard !grads.isEmpty else { throw SpecError("\(location).grads", "no steps") }
        var evaluated: [JSON]?
        if let e = fields["eval_params"] {
            guard case .array(let steps) = e, steps.count == grads.count else {
                throw SpecError("\(location).eval_params", "expected an array of \(grads.count) steps, as 'grads'")
            }
            evaluated = steps
        }

        let optimizer: any Optimizer
        do {
            optimizer = try OptimizerCatalogue.handDesigned.make(spec)
        } catch let e as SpecError {
            throw SpecError("\(location).hyper: \(e.location)", e.message)
        }
        func run<O: Optimizer>(_ o: O) throws -> (Double, Int) {
            var state = o.initialState(parameters: parameters, layout: layout)
            var worst = (error: 0.0, step: 0)
            for t in grads.indices {
                var g = try flat(grads[t], "\(location).grads[\(t)]")
                let reference = try flat(expected[t], "\(location).params[\(t)]")
                o.step(&parameters, gradient: &g, state: &state,
                       context: StepContext(step: t, totalSteps: grads.count, layout: layout))
                var e: Double
                if let evaluated {
                    let evaluationReference = try flat(evaluated[t], "\(location).eval_params[\(t)]")
                    e = relativeErrors(ours: parameters, reference: reference).max
                    let onEvaluation = relativeErrors(ours: o.evaluationParameters(parameters, state: state), reference: evaluationReference).max
                    if !(onEvaluation <= e) { e = onEvaluation }
                } else {
                    e = relativeErrors(ours: o.evaluationParameters(parameters, state: state), reference: reference).max
                }
                if !(e <= worst.error) { worst = (e, t + 1) }
            }
            return worst
        }
        let (error, step) = try run(optimizer)
        return CaseResult(name: name, index: index, optimizer: optimizerName, spec: spec.description, steps: grads.count,
                          maxRelativeError: error, worstStep: step, passed: error <= float32Tolerance)
    }

    /// Flattens a nested list of the given shape (row-major); a scalar's shape is [].
    static func append(_ v: JSON, shape: ArraySlice<Int>, into out: inout [Float], path: String) throws {
        guard let n = shape.first else {
            guard case .number(let x) = v else { throw SpecError(path, "expected a number") }
            out.append(Float(x))
            return
        }
        guard case .array(let items) = v, items.count == n else {
            throw SpecError(path, "expected a nested list of shape \(Array(shape))")
        }
        for item in items { try append(item, shape: shape.dropFirst(), into: &out, path: path) }
    }

    /// Any JSON value.
    enum JSON: Decodable {
        case null, bool(Bool), number(Double), string(String), array([JSON]), object([String: JSON])

        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { self = .null }
            else if let b = try? c.decode(Bool.self) { self = .bool(b) }
            else if let x = try? c.decode(Double.self) { self = .number(x) }
            else if let s = try? c.decode(String.self) { self = .string(s) }
            else if let a = try? c.decode([JSON].self) { self = .array(a) }
            else { self = .object(try c.decode([String: JSON].self)) }
        }
    }
}
