// The optimizer catalogue: a value mapping spec names to builders. Each module contributes its own kinds
// (the hand-designed optimizers and wrappers here, `lo:`/`learned` in MetaLearned, `program:` in
// MetaPrograms); the composition root (the command target) assembles one catalogue and passes it to
// whatever builds optimizers from specs. Nested specs (`inner=[…]`) and `theta` are resolved through the
// catalogue that builds the outer spec: nothing global. Unknown names and keys are errors that list the
// valid ones. Settings every optimizer accepts (schedules and clipping) are applied around it by
// `OptimizerCatalogue.make`. Defaults follow optax, or PyTorch where optax has none (a learning rate), and
// each kind's summary states the rule.

import MetaCore

/// Reads an optimizer spec's settings, checking names, types and ranges.
public struct SpecSettings {
    public let spec: OptimizerSpec
    public let allowed: [String]
    /// Builds the optimizers nested in this spec (`inner=[…]`).
    public let catalogue: OptimizerCatalogue
    /// What `theta` stands for in nested specs (the learned optimizer a wrapper wraps), if anything.
    public let theta: (any Optimizer)?

    /// Fails if the spec has a key outside `allowed` (listing them). Nested specs are built with
    /// `catalogue`, `theta` standing for `theta`.
    public init(_ spec: OptimizerSpec, allowed: [String], catalogue: OptimizerCatalogue = .handDesigned,
                theta: (any Optimizer)? = nil) throws {
        self.spec = spec
        self.allowed = allowed
        self.catalogue = catalogue
        self.theta = theta
        for (key, _) in spec.settings where !allowed.contains(key) {
            throw SpecError(
                "optimizer '\(spec.name)'",
                "unknown key '\(key)'; valid keys: \(allowed.joined(separator: ", "))")
        }
    }

    public func error(_ key: String, _ message: String) -> SpecError {
        SpecError("optimizer '\(spec.name)', key '\(key)'", message)
    }

    /// A number (Float), defaulting when absent, checked against `range`.
    public func float(_ key: String, default fallback: Float, in range: ClosedRange<Float> = -Float.greatestFiniteMagnitude...Float.greatestFiniteMagnitude) throws -> Float {
        guard let v = spec[key] else { return fallback }
        guard case .text(let t) = v, let x = Float(t), x.isFinite else { throw error(key, "expected a number, found '\(v)'") }
        guard range.contains(x) else { throw error(key, "\(t) is out of range \(range.lowerBound)…\(range.upperBound)") }
        return x
    }

    /// An integer, defaulting when absent, checked against `range`.
    public func int(_ key: String, default fallback: Int, in range: ClosedRange<Int> = Int.min...Int.max) throws -> Int {
        guard let v = spec[key] else { return fallback }
        guard case .text(let t) = v, let x = Int(t) else { throw error(key, "expected an integer, found '\(v)'") }
        guard range.contains(x) else { throw error(key, "\(t) is out of range \(range.lowerBound)…\(range.upperBound)") }
        return x
    }

    /// true/false (also 1/0, yes/no).
    public func bool(_ key: String, default fallback: Bool) throws -> Bool {
        guard let v = spec[key] else { return fallback }
        switch "\(v)".lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw error(key, "expected true or false, found '\(v)'")
        }
    }

    /// A word from a fixed set.
    public func choice(_ key: String, default fallback: String, from options: [String]) throws -> String {
        guard let v = spec[key] else { return fallback }
        guard case .text(let t) = v, options.contains(t) else {
            throw error(key, "unknown value '\(v)'; one of: \(options.joined(separator: ", "))")
        }
        return t
    }

    /// The first of several spellings of one setting that is present (`k` or `sync_period`), or nil;
    /// two at once is an error.
    public func alias(_ keys: [String]) throws -> String? {
        let present = keys.filter { spec[$0] != nil }
        guard present.count <= 1 else {
            throw error(present[1], "'\(present[0])' and '\(present[1])' are the same setting; give one")
        }
        return present.first
    }

    /// A nested optimizer spec (`inner=adam` or `inner=[adam:lr=1e-3]`).
    public func spec(_ key: String, default fallback: String) throws -> OptimizerSpec {
        guard let v = spec[key] else { return try OptimizerSpec.parse(fallback) }
        switch v {
        case .spec(let s): return s
        case .text(let t): return OptimizerSpec(name: t)
        }
    }

    /// The optimizer nested under `key`, built by `catalogue` (`theta` bound); its errors name the outer
    /// optimizer and key.
    public func optimizer(_ key: String, default fallback: String) throws -> any Optimizer {
        do {
            return try catalogue.make(try spec(key, default: fallback), theta: theta)
        } catch let e as SpecError {
            throw SpecError("optimizer '\(spec.name)', key '\(key)': \(e.location)", e.message)
        }
    }
}

/// How to build one named kind of optimizer: a catalogue entry.
public struct OptimizerKind: Sendable {
    public var name: String
    /// One line for help texts and errors.
    public var summary: String
    /// The keys it accepts (besides the common ones) with their defaults, for help texts.
    public var keys: [(key: String, defaultValue: String)]
    /// The kind applies the common keys itself (Lookahead applies them to its inner optimizer, so
    /// a schedule scales the inner step and not the synchronisation jump).
    public var handlesCommonKeys: Bool
    /// A spec that builds with nothing but the repository (smoke tests and help texts use it).
    public var example: String
    public var build: @Sendable (SpecSettings) throws -> any Optimizer

    public init(name: String, summary: String, keys: [(key: String, defaultValue: String)], handlesCommonKeys: Bool = false,
                example: String? = nil, build: @escaping @Sendable (SpecSettings) throws -> any Optimizer) {
        self.name = name
        self.summary = summary
        self.keys = keys
        self.handlesCommonKeys = handlesCommonKeys
        self.example = example ?? name
        self.build = build
    }
}

/// Spec names → builders. A value: assemble it once (`handDesigned.adding(…)`) and pass it on.
public struct OptimizerCatalogue: Sendable {
    /// The kinds, in the order help texts list them.
    public let kinds: [OptimizerKind]

    /// A catalogue of `kinds`; names must be distinct.
    public init(_ kinds: [OptimizerKind]) {
        var seen = Set<String>()
        for k in kinds { precondition(seen.insert(k.name).inserted, "optimizer kind '\(k.name)' is defined twice") }
        precondition(!seen.contains(Self.placeholderName), "'\(Self.placeholderName)' is reserved")
        self.kinds = kinds
    }

    /// The hand-designed optimizers and wrappers of this module.
    public static let handDesigned = OptimizerCatalogue(handDesignedKinds)

    /// This catalogue with `more` kinds after its own.
    public func adding(_ more: [OptimizerKind]) -> OptimizerCatalogue { OptimizerCatalogue(kinds + more) }

    /// Every name a spec may start with.
    public var names: [String] { kinds.map(\.name) }

    /// The kind called `name`.
    public func kind(named name: String) -> OptimizerKind? { kinds.first { $0.name == name } }

    /// Keys every optimizer accepts; they wrap it with clipping and a learning-rate schedule.
    public static let commonKeys = ["clip_norm", "clip", "schedule", "warmup", "warmup_fraction", "decay_steps", "final_scale"]

    /// The common keys with their defaults and meaning, for help texts.
    public static let commonKeyHelp: [(key: String, defaultValue: String, meaning: String)] = [
        ("clip", "none", "clip each gradient element to [-X, X] before the rule"),
        ("clip_norm", "none", "rescale the gradient to global L2 norm <= X before the rule"),
        ("schedule", "constant", "constant | warmup | cosine | warmup_cosine: multiplies the update after the rule"),
        ("warmup", "-", "warm-up steps N (warmup, warmup_cosine): factor (t+1)/N"),
        ("warmup_fraction", "-", "warm-up as a fraction of the run instead (warmup_cosine): N = round(F*run length)"),
        ("decay_steps", "run length", "steps of the cosine decay, warm-up included (cosine, warmup_cosine)"),
        ("final_scale", "0", "the cosine's final factor (cosine, warmup_cosine)"),
    ]

    /// Builds the optimizer a spec names; `theta` is what the name `theta` stands for in it (itself or
    /// nested): the learned optimizer that a meta-training config's `innerWrapper` wraps.
    public func make(_ spec: OptimizerSpec, theta: (any Optimizer)? = nil) throws -> any Optimizer {
        if spec.name == Self.placeholderName {
            guard let theta else {
                throw SpecError("optimizer '\(Self.placeholderName)'", "stands for the learned optimizer being meta-trained; only a training config's innerWrapper may name it")
            }
            guard spec.settings.isEmpty else { throw SpecError("optimizer '\(Self.placeholderName)'", "takes no settings") }
            return theta
        }
        guard let kind = kind(named: spec.name) else {
            throw SpecError(
                "optimizer '\(spec.name)'",
                "unknown optimizer; valid names: \(names.joined(separator: ", "))")
        }
        let settings = try SpecSettings(spec, allowed: kind.keys.map(\.key) + Self.commonKeys, catalogue: self, theta: theta)
        let optimizer = try kind.build(settings)
        return kind.handlesCommonKeys ? optimizer : try Self.wrapCommon(optimizer, settings: settings)
    }

    /// Parses and builds.
    public func make(_ text: String, theta: (any Optimizer)? = nil) throws -> any Optimizer {
        try make(OptimizerSpec.parse(text), theta: theta)
    }

    /// Applies the common keys: `clip` (per element) then `clip_norm` (global) before the rule, the
    /// schedule's factor after it (so it multiplies the learning rate). Without `includingSchedule`, only
    /// the clipping: for rules that take the schedule inside, where the learning rate does more than
    /// scale the step (Schedule-Free's averaging weights, Prodigy's estimate of D).
    public static func wrapCommon(_ optimizer: any Optimizer, settings: SpecSettings, includingSchedule: Bool = true) throws -> any Optimizer {
        var result = optimizer
        if includingSchedule, let schedule = try schedule(settings), schedule != .constant {
            result = chain(result, ScaleByLearningRate(1, schedule: schedule, flipSign: false))
        }
        if settings.spec["clip_norm"] != nil {
            result = chain(ClipByGlobalNorm(try settings.float("clip_norm", default: 1, in: Float.leastNormalMagnitude...Float.greatestFiniteMagnitude)), result)
        }
        if settings.spec["clip"] != nil {
            result = chain(Clip(try settings.float("clip", default: 1, in: Float.leastNormalMagnitude...Float.greatestFiniteMagnitude)), result)
        }
        return result
    }

    /// The schedule the common keys describe (nil when none of them is given).
    public static func schedule(_ s: SpecSettings) throws -> Schedule? {
        let name = try s.choice("schedule", default: "constant", from: ["constant", "warmup", "cosine", "warmup_cosine"])
        let usesWarmup = name == "warmup" || name == "warmup_cosine"
        let usesCosine = name == "cosine" || name == "warmup_cosine"
        if s.spec["warmup"] != nil && !usesWarmup { throw s.error("warmup", "needs schedule=warmup or schedule=warmup_cosine") }
        if s.spec["warmup_fraction"] != nil && name != "warmup_cosine" { throw s.error("warmup_fraction", "needs schedule=warmup_cosine") }
        for key in ["decay_steps", "final_scale"] where s.spec[key] != nil && !usesCosine {
            throw s.error(key, "needs schedule=cosine or schedule=warmup_cosine")
        }
        let fraction = s.spec["warmup_fraction"] == nil ? nil : try s.float("warmup_fraction", default: 0.05, in: 1e-6...0.999)
        if fraction != nil && s.spec["warmup"] != nil { throw s.error("warmup_fraction", "give warmup=N or warmup_fraction=F, not both") }
        if usesWarmup && s.spec["warmup"] == nil && fraction == nil {
            throw s.error("warmup", "schedule=\(name) needs warmup=N (steps)" + (name == "warmup_cosine" ? " or warmup_fraction=F" : ""))
        }
        let warmup = try s.int("warmup", default: 1, in: 1...Int.max)
        let decaySteps = s.spec["decay_steps"] == nil ? nil : try s.int("decay_steps", default: 1, in: 1...Int.max)
        let finalScale = try s.float("final_scale", default: 0, in: 0...Float.greatestFiniteMagnitude)
        switch name {
        case "warmup": return .warmup(steps: warmup)
        case "cosine": return .cosine(decaySteps: decaySteps, finalScale: finalScale)
        case "warmup_cosine":
            if let fraction { return .warmupFractionCosine(warmupFraction: Double(fraction), decaySteps: decaySteps, finalScale: finalScale) }
            if let d = decaySteps, d <= warmup {
                throw s.error("decay_steps", "\(d) must exceed warmup=\(warmup) (decay_steps counts the warm-up)")
            }
            return .warmupCosine(warmupSteps: warmup, decaySteps: decaySteps, finalScale: finalScale)
        default: return s.spec["schedule"] == nil ? nil : .constant
        }
    }

    /// Names, summaries and keys with defaults, for `--help` texts.
    public func helpText() -> String {
        var lines = ["Optimizers (NAME[:key=value,...]; nested specs in brackets, e.g. lookahead:k=5,inner=[adam:lr=3e-4]):"]
        let width = (kinds.map(\.name.count).max() ?? 0) + 2
        for e in kinds {
            lines.append("  " + e.name.padding(toLength: width, withPad: " ", startingAt: 0) + e.summary)
            if !e.keys.isEmpty {
                lines.append(String(repeating: " ", count: width + 2) + e.keys.map { "\($0.key)=\($0.defaultValue)" }.joined(separator: ", "))
            }
        }
        lines.append("Keys every optimizer accepts:")
        let keyWidth = (Self.commonKeyHelp.map { $0.key.count + $0.defaultValue.count + 1 }.max() ?? 0) + 2
        for k in Self.commonKeyHelp {
            lines.append("  " + "\(k.key)=\(k.defaultValue)".padding(toLength: keyWidth, withPad: " ", startingAt: 0) + k.meaning)
        }
        return lines.joined(separator: "\n")
    }

    /// The name that stands, inside a wrapper spec, for the optimizer it wraps (`make(_:theta:)`):
    /// meta-training's `innerWrapper` (`plateau:inner=[hypergrad:inner=[theta]]`) wraps the learned
    /// optimizer being trained.
    public static let placeholderName = "theta"

    /// Whether `spec` names `theta` somewhere (itself or nested).
    public static func mentionsPlaceholder(_ spec: OptimizerSpec) -> Bool {
        spec.name == placeholderName || spec.settings.contains { setting in
            if case .spec(let inner) = setting.value { return mentionsPlaceholder(inner) }
            return false
        }
    }

    static let positive = Float.leastNormalMagnitude...Float.greatestFiniteMagnitude
    static let nonNegative: ClosedRange<Float> = 0...Float.greatestFiniteMagnitude
    static let unit: ClosedRange<Float> = 0...1

    static func learningRate(_ s: SpecSettings, _ fallback: Float) throws -> Float {
        try s.float("lr", default: fallback, in: 0...1e6)
    }

    static let handDesignedKinds: [OptimizerKind] = [
        OptimizerKind(name: "sgd", summary: "gradient descent: p <- p - lr*g", keys: [("lr", "0.01")]) { s in
            ScaleByLearningRate(try learningRate(s, 0.01))
        },
        OptimizerKind(name: "momentum", summary: "heavy-ball momentum (optax trace, no dampening): m <- g + momentum*m; p <- p - lr*m",
                       keys: [("lr", "0.01"), ("momentum", "0.9")]) { s in
            Trace(decay: try s.float("momentum", default: 0.9, in: unit), nesterov: false, scale: -(try learningRate(s, 0.01)))
        },
        OptimizerKind(name: "nesterov", summary: "Nesterov momentum: m <- g + momentum*m; p <- p - lr*(g + momentum*m)",
                       keys: [("lr", "0.01"), ("momentum", "0.9")]) { s in
            Trace(decay: try s.float("momentum", default: 0.9, in: unit), nesterov: true, scale: -(try learningRate(s, 0.01)))
        },
        OptimizerKind(name: "rmsprop", summary: "RMSProp: v <- decay*v + (1-decay)*g^2; p <- p - lr*g/(sqrt(v)+eps) (eps inside the root with eps_in_sqrt=true)",
                       keys: [("lr", "0.01"), ("decay", "0.9"), ("eps", "1e-8"), ("eps_in_sqrt", "false"), ("initial_scale", "0")]) { s in
            ScaleByRMS(decay: try s.float("decay", default: 0.9, in: unit), epsilon: try s.float("eps", default: 1e-8, in: nonNegative),
                       epsInSqrt: try s.bool("eps_in_sqrt", default: false), initialScale: try s.float("initial_scale", default: 0, in: nonNegative),
                       scale: -(try learningRate(s, 0.01)))
        },
        OptimizerKind(name: "adagrad", summary: "Adagrad: s <- s + g^2; p <- p - lr*g/sqrt(s+eps)",
                       keys: [("lr", "0.01"), ("initial_accumulator_value", "0.1"), ("eps", "1e-7")]) { s in
            ScaleByRSS(initialAccumulatorValue: try s.float("initial_accumulator_value", default: 0.1, in: nonNegative),
                       epsilon: try s.float("eps", default: 1e-7, in: nonNegative), scale: -(try learningRate(s, 0.01)))
        },
        OptimizerKind(name: "adam", summary: "Adam, bias-corrected, eps outside the root: p <- p - lr*mhat/(sqrt(vhat)+eps)",
                       keys: [("lr", "1e-3"), ("b1", "0.9"), ("b2", "0.999"), ("eps", "1e-8")]) { s in
            ScaleByAdam(beta1: try s.float("b1", default: 0.9, in: unit), beta2: try s.float("b2", default: 0.999, in: unit),
                        epsilon: try s.float("eps", default: 1e-8, in: nonNegative), scale: -(try learningRate(s, 1e-3)))
        },
        OptimizerKind(name: "adamw", summary: "AdamW, decoupled weight decay: p <- p - lr*(adam + weight_decay*p)",
                       keys: [("lr", "1e-3"), ("b1", "0.9"), ("b2", "0.999"), ("eps", "1e-8"), ("weight_decay", "1e-4")]) { s in
            ScaleByAdam(beta1: try s.float("b1", default: 0.9, in: unit), beta2: try s.float("b2", default: 0.999, in: unit),
                        epsilon: try s.float("eps", default: 1e-8, in: nonNegative),
                        weightDecay: try s.float("weight_decay", default: 1e-4, in: nonNegative), scale: -(try learningRate(s, 1e-3)))
        },
        OptimizerKind(name: "lion", summary: "Lion: p <- p - lr*(sign(b1*m + (1-b1)*g) + weight_decay*p); m <- b2*m + (1-b2)*g",
                       keys: [("lr", "1e-4"), ("b1", "0.9"), ("b2", "0.99"), ("weight_decay", "1e-3")]) { s in
            ScaleByLion(beta1: try s.float("b1", default: 0.9, in: unit), beta2: try s.float("b2", default: 0.99, in: unit),
                        weightDecay: try s.float("weight_decay", default: 1e-3, in: nonNegative), scale: -(try learningRate(s, 1e-4)))
        },
        OptimizerKind(name: "adafactor", summary: "Adafactor (optax): factored second moments per tensor, decay 1-t^-decay_rate, update RMS clipped; no momentum",
                       keys: [("lr", "1e-2"), ("min_dim_size_to_factor", "128"), ("decay_rate", "0.8"), ("decay_offset", "0"),
                              ("clipping_threshold", "1 (0 = none)"), ("eps", "1e-30"), ("multiply_by_parameter_scale", "false"), ("factored", "true")]) { s in
            let threshold = try s.float("clipping_threshold", default: 1, in: nonNegative)
            return ScaleByAdafactor(
                minDimSizeToFactor: try s.int("min_dim_size_to_factor", default: 128, in: 1...Int.max),
                decayRate: try s.float("decay_rate", default: 0.8, in: 0...Float.greatestFiniteMagnitude),
                decayOffset: try s.int("decay_offset", default: 0, in: 0...Int.max),
                epsilon: try s.float("eps", default: 1e-30, in: nonNegative),
                clippingThreshold: threshold == 0 ? nil : threshold,
                multiplyByParameterScale: try s.bool("multiply_by_parameter_scale", default: false),
                factored: try s.bool("factored", default: true), scale: -(try learningRate(s, 1e-2)))
        },
        OptimizerKind(name: "adax", summary: "AdaX: m <- b1*m + (1-b1)*g; v <- (1+b2)*v + b2*g^2; p <- p - lr*sqrt((1+b2)^t-1)*m/(sqrt(v)+eps)",
                       keys: [("lr", "1e-3"), ("b1", "0.9"), ("b2", "1e-4"), ("eps", "1e-8")]) { s in
            ScaleByAdaX(beta1: try s.float("b1", default: 0.9, in: unit), beta2: try s.float("b2", default: 1e-4, in: positive),
                        epsilon: try s.float("eps", default: 1e-8, in: nonNegative), scale: -(try learningRate(s, 1e-3)))
        },
        OptimizerKind(name: "nadamw", summary: "NAdamW (optax nadamw): AdamW with Nesterov momentum, mhat = b1*m/(1-b1^(t+1)) + (1-b1)*g/(1-b1^t); p <- p - lr*(mhat/(sqrt(vhat)+eps) + weight_decay*p)",
                       keys: [("lr", "1e-3"), ("b1", "0.9"), ("b2", "0.999"), ("eps", "1e-8"), ("weight_decay", "1e-4")]) { s in
            ScaleByAdam(beta1: try s.float("b1", default: 0.9, in: unit), beta2: try s.float("b2", default: 0.999, in: unit),
                        epsilon: try s.float("eps", default: 1e-8, in: nonNegative),
                        weightDecay: try s.float("weight_decay", default: 1e-4, in: nonNegative), scale: -(try learningRate(s, 1e-3)),
                        nesterov: true)
        },
        OptimizerKind(name: "muon", summary: "Muon (optax contrib.muon): on matrices p <- p - lr*(s*NS5(mhat) + weight_decay*p), mhat Nesterov momentum, NS5 Newton-Schulz orthogonalization, s = sqrt(max(1, cols/rows)); other tensors NAdamW (adam_*)",
                       keys: [("lr", "1e-3"), ("ns_steps", "5"), ("beta", "0.95"), ("eps", "1e-8"), ("weight_decay", "0"), ("nesterov", "true"),
                              ("adaptive", "false"), ("consistent_rms", "none"), ("kernels", "adam (or muon: rank>=3 as (prod of all axes but the last) x last)"),
                              ("adam_b1", "0.9"), ("adam_b2", "0.999"), ("adam_weight_decay", "0"), ("adam_lr", "(same as lr)")]) { s in
            let lr = try learningRate(s, 1e-3)
            return Muon(learningRate: lr, nsSteps: try s.int("ns_steps", default: 5, in: 0...100),
                        beta: try s.float("beta", default: 0.95, in: unit), epsilon: try s.float("eps", default: 1e-8, in: nonNegative),
                        weightDecay: try s.float("weight_decay", default: 0, in: nonNegative),
                        nesterov: try s.bool("nesterov", default: true), adaptive: try s.bool("adaptive", default: false),
                        consistentRMS: s.spec["consistent_rms"] == nil ? nil : try s.float("consistent_rms", default: 0.2, in: positive),
                        kernelsToMuon: try s.choice("kernels", default: "adam", from: ["adam", "muon"]) == "muon",
                        adamBeta1: try s.float("adam_b1", default: 0.9, in: unit), adamBeta2: try s.float("adam_b2", default: 0.999, in: unit),
                        adamWeightDecay: try s.float("adam_weight_decay", default: 0, in: nonNegative),
                        adamLearningRate: try s.float("adam_lr", default: lr, in: 0...1e6))
        },
        OptimizerKind(name: "schedule_free_adamw", summary: "Schedule-Free AdamW (optax contrib): z <- z - lr_t*(g/(sqrt(vhat)+eps) + weight_decay*y); x <- (1-c)*x + c*z, c = lr_max^r/sum; y = b1*x + (1-b1)*z; gradients at y, evaluation at x",
                       keys: [("lr", "0.0025"), ("warmup_steps", "0 (none; optax's linear warm-up from 0)"), ("b1", "0.9"), ("b2", "0.999"), ("eps", "1e-8"),
                              ("weight_decay", "0"), ("weight_lr_power", "2")],
                       handlesCommonKeys: true) { s in
            let optimizer = ScheduleFreeAdamW(
                learningRate: try learningRate(s, 0.0025), warmupSteps: try s.int("warmup_steps", default: 0, in: 0...Int.max),
                beta1: try s.float("b1", default: 0.9, in: Float.leastNormalMagnitude...1), beta2: try s.float("b2", default: 0.999, in: unit),
                epsilon: try s.float("eps", default: 1e-8, in: nonNegative), weightDecay: try s.float("weight_decay", default: 0, in: nonNegative),
                weightLRPower: try s.float("weight_lr_power", default: 2, in: 0...100), schedule: try schedule(s) ?? .constant)
            return try wrapCommon(optimizer, settings: s, includingSchedule: false)
        },
        OptimizerKind(name: "prodigy", summary: "Prodigy (optax contrib): AdamW on D*g whose step d = D*lr*sqrt(1-b2^t)/(1-b1^t) grows with D <- max(D, r/|s|_1), estimated from <g, x0 - x>",
                       keys: [("lr", "1"), ("b1", "0.9"), ("b2", "0.999"), ("beta3", "sqrt(b2)"), ("eps", "1e-8"), ("estim_lr0", "1e-6"),
                              ("estim_lr_coef", "1"), ("weight_decay", "0"), ("safeguard_warmup", "false")],
                       handlesCommonKeys: true) { s in
            let optimizer = Prodigy(
                learningRate: try learningRate(s, 1), beta1: try s.float("b1", default: 0.9, in: unit),
                beta2: try s.float("b2", default: 0.999, in: unit),
                beta3: s.spec["beta3"] == nil ? nil : try s.float("beta3", default: 0, in: unit),
                epsilon: try s.float("eps", default: 1e-8, in: nonNegative),
                initialEstimate: try s.float("estim_lr0", default: 1e-6, in: positive),
                estimateScale: try s.float("estim_lr_coef", default: 1, in: nonNegative),
                weightDecay: try s.float("weight_decay", default: 0, in: nonNegative),
                safeguardWarmup: try s.bool("safeguard_warmup", default: false), schedule: try schedule(s) ?? .constant)
            return try wrapCommon(optimizer, settings: s, includingSchedule: false)
        },
        OptimizerKind(name: "lookahead", summary: "Lookahead around any optimizer: every k steps slow += alpha*(fast - slow), fast = slow",
                       keys: [("k", "5"), ("sync_period", "(same as k)"), ("alpha", "0.5"), ("slow_step_size", "(same as alpha)"), ("inner", "adam")],
                       handlesCommonKeys: true) { s in
            let k = try s.int(try s.alias(["k", "sync_period"]) ?? "k", default: 5, in: 1...Int.max)
            let alpha = try s.float(try s.alias(["alpha", "slow_step_size"]) ?? "alpha", default: 0.5, in: unit)
            let inner = try s.optimizer("inner", default: "adam")
            return lookahead(try Self.wrapCommon(inner, settings: s), syncPeriod: k, slowStepSize: alpha)
        },
        OptimizerKind(name: "average", summary: "parameter averaging around any optimizer: evaluate the debiased EMA a = d*a + (1-d)*theta of the iterates; the updates are inner(g)",
                       keys: [("decay", "0.9"), ("start", "0"), ("inner", "adam")],
                       handlesCommonKeys: true) { s in
            let decay = try s.float("decay", default: 0.9, in: 0...0.9999)
            let start = try s.int("start", default: 0, in: 0...Int.max)
            let inner = try s.optimizer("inner", default: "adam")
            return averaging(try Self.wrapCommon(inner, settings: s), decay: decay, start: start)
        },
        OptimizerKind(name: "keep_best", summary: "early stopping with the best weights restored, around any optimizer: evaluate the iterate at which the smoothed (EMA) loss was lowest (unless the latest is within tolerance of it); the updates are inner(g)",
                       keys: [("monitor", "validation"), ("smoothing", "0.9"), ("start", "0"), ("tolerance", "0"), ("inner", "adam")],
                       handlesCommonKeys: true) { s in
            let monitor = PlateauMonitor(rawValue: try s.choice("monitor", default: "validation", from: PlateauMonitor.allCases.map(\.rawValue)))!
            let smoothing = try s.float("smoothing", default: 0.9, in: 0...0.9999)
            let start = try s.int("start", default: 0, in: 0...Int.max)
            let inner = try s.optimizer("inner", default: "adam")
            let tolerance = try s.float("tolerance", default: 0, in: 0...10)
            return keepBest(try Self.wrapCommon(inner, settings: s), monitor: monitor, smoothing: Double(smoothing), start: start,
                            tolerance: Double(tolerance))
        },
        OptimizerKind(name: "gap_decay", summary: "weight decay gated by the generalization gap, around any optimizer: u = inner(g) - weight_decay*clamp(r/gap, 0, 1)*p, r = (V - T)/|V| of the smoothed validation and training losses",
                       keys: [("weight_decay", "3e-3"), ("gap", "0.2"), ("smoothing", "0.95"), ("decay", "matrices"), ("inner", "adam")],
                       handlesCommonKeys: true) { s in
            let decay = try s.float("weight_decay", default: 3e-3, in: 0...1)
            let gap = try s.float("gap", default: 0.2, in: 1e-6...100)
            let smoothing = try s.float("smoothing", default: 0.95, in: 0...0.9999)
            let mask = try s.choice("decay", default: "matrices", from: AddDecayedWeights.maskNames)
            let inner = try s.optimizer("inner", default: "adam")
            return gapDecay(try Self.wrapCommon(inner, settings: s), weightDecay: decay, fullGap: Double(gap), smoothing: Double(smoothing), mask: mask)
        },
        OptimizerKind(name: "plateau", summary: "ReduceLROnPlateau around any optimizer: scale *= factor when the smoothed (EMA) loss has not improved for patience steps; u = scale*inner(g)",
                       keys: [("monitor", "validation"), ("factor", "0.5"), ("patience", "20"), ("threshold", "1e-3"), ("smoothing", "0.9"),
                              ("rise", "0"), ("min_scale", "1e-3"), ("inner", "adam")],
                       handlesCommonKeys: true) { s in
            let monitor = PlateauMonitor(rawValue: try s.choice("monitor", default: "validation", from: PlateauMonitor.allCases.map(\.rawValue)))!
            let factor = try s.float("factor", default: 0.5, in: Float.leastNormalMagnitude...0.999)
            let patience = try s.int("patience", default: 20, in: 0...Int.max)
            let threshold = try s.float("threshold", default: 1e-3, in: 0...1)
            let smoothing = try s.float("smoothing", default: 0.9, in: 0...0.9999)
            let rise = try s.float("rise", default: 0, in: 0...10)
            let low = try s.float("min_scale", default: 1e-3, in: Float.leastNormalMagnitude...1)
            let inner = try s.optimizer("inner", default: "adam")
            return plateau(try Self.wrapCommon(inner, settings: s), monitor: monitor, factor: factor, patience: patience,
                           threshold: Double(threshold), smoothing: Double(smoothing), rise: Double(rise), minimumScale: low)
        },
        OptimizerKind(name: "mechanic", summary: "Mechanic (optax contrib.mechanize) around any optimizer: x = x0 - S*sum of inner steps, the scale S learned online from <g, sum of steps>",
                       keys: [("weight_decay", "1e-2"), ("eps", "1e-8"), ("s_init", "1e-6"), ("num_betas", "6"), ("inner", "adam:lr=1")],
                       handlesCommonKeys: true) { s in
            let decay = try s.float("weight_decay", default: 1e-2, in: nonNegative)
            let eps = try s.float("eps", default: 1e-8, in: nonNegative)
            let start = try s.float("s_init", default: 1e-6, in: positive)
            let betas = try s.int("num_betas", default: 6, in: 1...15)
            let inner = try s.optimizer("inner", default: "adam:lr=1")
            return mechanize(try Self.wrapCommon(inner, settings: s), weightDecay: Double(decay), epsilon: Double(eps),
                             initialScale: Double(start), betaCount: betas)
        },
        OptimizerKind(name: "hypergrad", summary: "step-size adaptation around any optimizer (hypergradient descent): log s -= beta*cos(g_t, u_t-1) per tensor; u = s*inner(g)",
                       keys: [("beta", "0.02"), ("per", "tensor"), ("init_scale", "1"), ("min_scale", "0.01"), ("max_scale", "100"),
                              ("fan_in", "off"), ("fan_in_power", "1"), ("kernel_init_scale", "init_scale"), ("inner", "adam")],
                       handlesCommonKeys: true) { s in
            let beta = try s.float("beta", default: 0.02, in: 0...10)
            let per = try s.choice("per", default: "tensor", from: ["tensor", "global"])
            let low = try s.float("min_scale", default: 0.01, in: Float.leastNormalMagnitude...1)
            let high = try s.float("max_scale", default: 100, in: 1...Float.greatestFiniteMagnitude)
            let start = try s.float("init_scale", default: 1, in: low...high)
            let fanIn = s.spec["fan_in"] == nil ? nil : try s.float("fan_in", default: 1, in: positive)
            if fanIn != nil && per != "tensor" { throw s.error("fan_in", "needs per=tensor") }
            let power = try s.float("fan_in_power", default: 1, in: 0...4)
            let kernel = s.spec["kernel_init_scale"] == nil ? nil : try s.float("kernel_init_scale", default: start, in: low...high)
            if kernel != nil && per != "tensor" { throw s.error("kernel_init_scale", "needs per=tensor") }
            let inner = try s.optimizer("inner", default: "adam")
            return hypergradient(try Self.wrapCommon(inner, settings: s), rate: beta, perTensor: per == "tensor",
                                 minimumScale: low, maximumScale: high, initialScale: start, fanInReference: fanIn, fanInPower: power,
                                 kernelInitialScale: kernel)
        },
    ]
}
