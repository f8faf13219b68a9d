// Hand-written SVG charts (no dependencies): line/marker charts with linear or log y axes, and grouped
// bar charts. Every coordinate written is finite: non-finite points are dropped and values far
// outside the axes are clamped before they reach the file (the plot area also clips).

import Foundation

/// Okabe & Ito's colour-blind-safe palette (black and yellow last: poor on white).
public enum Palette {
    public static let colors = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442"]
    /// Dash patterns that repeat the colours distinguishably past 8 series.
    static let dashes = ["", "6,3", "2,3", "8,3,2,3"]

    public static func color(_ i: Int) -> String { colors[i % colors.count] }
    public static func dash(_ i: Int) -> String { dashes[(i / colors.count) % dashes.count] }
}

/// A chart with x and y axes (used by `compare`'s report, training reports and searches).
public struct LineChart {
    public enum Mark: Sendable { case line, circles, squares }

    public struct Series {
        public var points: [(x: Double, y: Double)]
        public var color: String
        public var dash: String = ""
        public var mark: Mark = .line

        public init(points: [(x: Double, y: Double)], color: String, dash: String = "", mark: Mark = .line) {
            self.points = points
            self.color = color
            self.dash = dash
            self.mark = mark
        }
    }

    public struct LegendEntry {
        public var label: String
        public var color: String
        public var dash: String = ""
        public var mark: Mark = .line

        public init(label: String, color: String, dash: String = "", mark: Mark = .line) {
            self.label = label
            self.color = color
            self.dash = dash
            self.mark = mark
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series] = []
    public var legend: [LegendEntry] = []
    /// nil: log when all values are positive and span more than a decade.
    public var logY: Bool? = nil
    /// Caps the top of the y range (e.g. a few times the initial loss, so one blow-up does not flatten the rest).
    public var yCap: Double? = nil
    public var yFloor: Double? = nil
    public var xRange: ClosedRange<Double>? = nil
    /// Dashed vertical lines at these x values, each labelled at the top of the plot (e.g. a horizon).
    public var verticalMarkers: [(x: Double, label: String)] = []
    public var width = 790.0, height = 460.0
    let margin = (left: 78.0, right: 230.0, top: 42.0, bottom: 56.0)

    public init(title: String, xLabel: String, yLabel: String, series: [Series] = [], legend: [LegendEntry] = []) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.legend = legend
    }

    /// One line per series with a legend entry each, coloured from `Palette` in order.
    public static func lines(title: String, xLabel: String, yLabel: String, _ named: [(label: String, points: [(x: Double, y: Double)])]) -> LineChart {
        var chart = LineChart(title: title, xLabel: xLabel, yLabel: yLabel)
        for (i, s) in named.enumerated() {
            chart.series.append(Series(points: s.points, color: Palette.color(i), dash: Palette.dash(i)))
            chart.legend.append(LegendEntry(label: s.label, color: Palette.color(i), dash: Palette.dash(i)))
        }
        return chart
    }

    /// The SVG document.
    public func render() -> String {
        let finite = series.flatMap { $0.points.filter { $0.x.isFinite && $0.y.isFinite } }
        let ys = finite.map(\.y)
        let positive = !ys.isEmpty && ys.allSatisfy { $0 > 0 }
        var lo = ys.min() ?? 0, hi = ys.max() ?? 1
        if let cap = yCap, cap.isFinite, cap > lo { hi = min(hi, cap) }
        if let f = yFloor, f.isFinite, f < hi { lo = max(lo, f) }
        let log = logY ?? (positive && hi / lo > 10)
        let useLog = log && positive
        var yAxis = Axis(lo: useLog ? log10(lo) : lo, hi: useLog ? log10(hi) : hi, log: useLog)
        yAxis.pad()
        let xs = finite.map(\.x)
        var xAxis = Axis(lo: xRange?.lowerBound ?? xs.min() ?? 0, hi: xRange?.upperBound ?? xs.max() ?? 1, log: false)
        if xRange == nil { xAxis.widenIfFlat() }

        let plotW = width - margin.left - margin.right, plotH = height - margin.top - margin.bottom
        func px(_ x: Double) -> Double { margin.left + (x - xAxis.lo) / (xAxis.hi - xAxis.lo) * plotW }
        func py(_ y: Double) -> Double {
            let v = useLog ? log10(y) : y
            let p = margin.top + plotH - (v - yAxis.lo) / (yAxis.hi - yAxis.lo) * plotH
            return min(max(p, -10 * height), 11 * height)
        }

        var svg = SVGWriter(width: width, height: height)
        // Centred over the plot area, but shifted (bold 15 px text is ~8.5 px per character) so that a
        // long title stays inside the image instead of being cut off at its left edge.
        let titleHalf = Double(title.count) * 8.5 / 2
        let titleX = min(max(width / 2 - margin.right / 2 + margin.left / 2, titleHalf + 8), max(titleHalf + 8, width - titleHalf - 8))
        svg.text(titleX, 24, title, size: 15, anchor: "middle", weight: "bold")
        svg.raw("<defs><clipPath id=\"plot\"><rect x=\"\(f(margin.left))\" y=\"\(f(margin.top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\"/></clipPath></defs>")
        svg.raw("<rect x=\"\(f(margin.left))\" y=\"\(f(margin.top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" fill=\"none\" stroke=\"#444\"/>")
        // Grid and ticks.
        for t in yAxis.ticks() {
            let y = margin.top + plotH - (t.value - yAxis.lo) / (yAxis.hi - yAxis.lo) * plotH
            svg.raw("<line x1=\"\(f(margin.left))\" y1=\"\(f(y))\" x2=\"\(f(margin.left + plotW))\" y2=\"\(f(y))\" stroke=\"#ddd\" stroke-width=\"\(t.major ? 1 : 0.5)\"/>")
            if t.major { svg.text(margin.left - 6, y + 4, t.label, anchor: "end") }
        }
        for t in xAxis.ticks() {
            let x = px(t.value)
            svg.raw("<line x1=\"\(f(x))\" y1=\"\(f(margin.top + plotH))\" x2=\"\(f(x))\" y2=\"\(f(margin.top + plotH + 5))\" stroke=\"#444\"/>")
            svg.text(x, margin.top + plotH + 19, t.label, anchor: "middle")
        }
        svg.text(margin.left + plotW / 2, height - 12, xLabel, size: 13, anchor: "middle")
        svg.raw("<text transform=\"translate(18,\(f(margin.top + plotH / 2))) rotate(-90)\" font-size=\"13\" text-anchor=\"middle\">\(SVGWriter.escape(yLabel + (useLog ? " (log scale)" : "")))</text>")

        svg.raw("<g clip-path=\"url(#plot)\">")
        for s in series {
            let pts = s.points.filter { $0.x.isFinite && $0.y.isFinite && (!useLog || $0.y > 0) }
            switch s.mark {
            case .line:
                guard pts.count >= 1 else { continue }
                let d = pts.enumerated().map { (i, p) in (i == 0 ? "M" : "L") + "\(f(px(p.x))),\(f(py(p.y)))" }.joined(separator: " ")
                svg.raw("<path d=\"\(d)\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"1.8\"\(s.dash.isEmpty ? "" : " stroke-dasharray=\"\(s.dash)\"")/>")
            case .circles:
                for p in pts { svg.raw("<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"3.2\" fill=\"\(s.color)\"/>") }
            case .squares:
                for p in pts {
                    svg.raw("<rect x=\"\(f(px(p.x) - 3))\" y=\"\(f(py(p.y) - 3))\" width=\"6\" height=\"6\" fill=\"white\" stroke=\"\(s.color)\" stroke-width=\"1.4\"/>")
                }
            }
        }
        for m in verticalMarkers where m.x.isFinite && m.x >= xAxis.lo && m.x <= xAxis.hi {
            let x = px(m.x)
            svg.raw("<line x1=\"\(f(x))\" y1=\"\(f(margin.top))\" x2=\"\(f(x))\" y2=\"\(f(margin.top + plotH))\" stroke=\"#555\" stroke-width=\"1.2\" stroke-dasharray=\"4,3\"/>")
            svg.text(x + 4, margin.top + 14, m.label, size: 11)
        }
        svg.raw("</g>")
        svg.legend(legend, x: width - margin.right + 14, y: margin.top + 6)
        return svg.finish()
    }
}

/// Grouped bars: one group per category, one bar per measure.
struct BarChart {
    var title: String
    var yLabel: String
    var categories: [String]
    /// `values[m][c]`: measure m of category c.
    var measures: [(label: String, values: [Double], opacity: Double)]
    var colors: [String]
    var width = 760.0, height = 460.0
    let margin = (left: 78.0, right: 140.0, top: 42.0, bottom: 110.0)

    func render() -> String {
        let all = measures.flatMap(\.values).filter(\.isFinite)
        var axis = Axis(lo: min(0, all.min() ?? 0), hi: max(0, all.max() ?? 1), log: false)
        axis.pad(bottom: axis.lo < 0)
        let plotW = width - margin.left - margin.right, plotH = height - margin.top - margin.bottom
        func py(_ v: Double) -> Double { margin.top + plotH - (v - axis.lo) / (axis.hi - axis.lo) * plotH }
        var svg = SVGWriter(width: width, height: height)
        svg.text(width / 2, 24, title, size: 15, anchor: "middle", weight: "bold")
        for t in axis.ticks() where t.major {
            svg.raw("<line x1=\"\(f(margin.left))\" y1=\"\(f(py(t.value)))\" x2=\"\(f(margin.left + plotW))\" y2=\"\(f(py(t.value)))\" stroke=\"#ddd\"/>")
            svg.text(margin.left - 6, py(t.value) + 4, t.label, anchor: "end")
        }
        svg.raw("<line x1=\"\(f(margin.left))\" y1=\"\(f(py(0)))\" x2=\"\(f(margin.left + plotW))\" y2=\"\(f(py(0)))\" stroke=\"#444\"/>")
        let group = plotW / Double(max(categories.count, 1))
        let bar = group * 0.8 / Double(max(measures.count, 1))
        for (c, name) in categories.enumerated() {
            let x0 = margin.left + Double(c) * group + group * 0.1
            for (m, measure) in measures.enumerated() {
                let v = measure.values[c]
                guard v.isFinite else { continue }
                let top = min(py(v), py(0)), h = abs(py(v) - py(0))
                svg.raw("<rect x=\"\(f(x0 + Double(m) * bar))\" y=\"\(f(top))\" width=\"\(f(bar * 0.92))\" height=\"\(f(h))\" fill=\"\(colors[c % colors.count])\" fill-opacity=\"\(measure.opacity)\" stroke=\"\(colors[c % colors.count])\"><title>\(SVGWriter.escape("\(name) \(measure.label): \(String(format: "%.4g", v))"))</title></rect>")
                svg.text(x0 + (Double(m) + 0.46) * bar, top - 4, String(format: "%.3g", v), size: 10, anchor: "middle")
            }
            let lx = x0 + group * 0.4, ly = margin.top + plotH + 14
            svg.raw("<text transform=\"translate(\(f(lx)),\(f(ly))) rotate(30)\" font-size=\"12\">\(SVGWriter.escape(name))</text>")
        }
        svg.raw("<text transform=\"translate(18,\(f(margin.top + plotH / 2))) rotate(-90)\" font-size=\"13\" text-anchor=\"middle\">\(SVGWriter.escape(yLabel))</text>")
        var y = margin.top + 6
        for measure in measures {
            svg.raw("<rect x=\"\(f(width - margin.right + 14))\" y=\"\(f(y))\" width=\"14\" height=\"12\" fill=\"#777\" fill-opacity=\"\(measure.opacity)\" stroke=\"#777\"/>")
            svg.text(width - margin.right + 34, y + 10, measure.label)
            y += 20
        }
        return svg.finish()
    }
}

/// A linear axis over [lo, hi] (in log10 units when `log`).
struct Axis {
    var lo: Double
    var hi: Double
    var log: Bool

    mutating func widenIfFlat() {
        if !(lo.isFinite && hi.isFinite) { (lo, hi) = (0, 1) }
        if hi - lo < 1e-12 * max(1, abs(lo)) {
            let d = max(abs(lo) * 0.1, 1e-3)
            lo -= d
            hi += d
        }
    }

    /// Widens the range a little so lines do not sit on the frame.
    mutating func pad(bottom: Bool = true) {
        widenIfFlat()
        let d = (hi - lo) * 0.05
        if bottom || lo != 0 { lo -= d }
        hi += d
    }

    struct Tick { var value: Double; var label: String; var major: Bool }

    func ticks() -> [Tick] {
        if log {
            let a = Int(lo.rounded(.up)), b = Int(hi.rounded(.down))
            var ticks: [Tick] = []
            if b >= a {
                let stride = max(1, (b - a + 1) / 8 + ((b - a + 1) % 8 == 0 ? 0 : 1))
                for e in a...b {
                    ticks.append(Tick(value: Double(e), label: Self.power(e), major: (e - a) % stride == 0))
                }
            }
            // Few decades: add 2× and 5× ticks with labels.
            if b - a < 2 {
                for e in (Int(lo.rounded(.down)))...(Int(hi.rounded(.up))) {
                    for m in [2.0, 5.0] {
                        let v = Double(e) + log10(m)
                        if v > lo && v < hi { ticks.append(Tick(value: v, label: Self.label(pow(10, v)), major: true)) }
                    }
                }
            }
            return ticks
        }
        let step = Self.niceStep((hi - lo) / 6)
        guard step > 0, step.isFinite else { return [] }
        var ticks: [Tick] = []
        var v = (lo / step).rounded(.up) * step
        while v <= hi + step * 1e-9 && ticks.count < 50 {
            ticks.append(Tick(value: v, label: Self.label(abs(v) < step * 1e-9 ? 0 : v), major: true))
            v += step
        }
        return ticks
    }

    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let e = pow(10, (log10(raw)).rounded(.down))
        let m = raw / e
        return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * e
    }

    static func label(_ v: Double) -> String {
        let a = abs(v)
        if a != 0 && (a >= 1e5 || a < 1e-3) { return String(format: "%.0e", v) }
        return String(format: "%.4g", v)
    }

    static func power(_ e: Int) -> String {
        switch e {
        case 0: return "1"
        case 1: return "10"
        case -2...(-1), 2...3: return label(pow(10, Double(e)))
        default: return "1e\(e)"
        }
    }
}

/// Accumulates SVG markup.
struct SVGWriter {
    private var body: [String] = []
    let width: Double, height: Double

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
        body.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        body.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"Helvetica, Arial, sans-serif\">")
        body.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>")
    }

    mutating func raw(_ s: String) { body.append(s) }

    mutating func text(_ x: Double, _ y: Double, _ s: String, size: Double = 12, anchor: String = "start", weight: String = "normal") {
        body.append("<text x=\"\(f(x))\" y=\"\(f(y))\" font-size=\"\(f(size))\" text-anchor=\"\(anchor)\"\(weight == "normal" ? "" : " font-weight=\"\(weight)\"")>\(Self.escape(s))</text>")
    }

    mutating func legend(_ entries: [LineChart.LegendEntry], x: Double, y: Double) {
        var y = y
        for e in entries {
            let cy = y + 6
            switch e.mark {
            case .line:
                body.append("<line x1=\"\(f(x))\" y1=\"\(f(cy))\" x2=\"\(f(x + 22))\" y2=\"\(f(cy))\" stroke=\"\(e.color)\" stroke-width=\"2.2\"\(e.dash.isEmpty ? "" : " stroke-dasharray=\"\(e.dash)\"")/>")
            case .circles:
                body.append("<circle cx=\"\(f(x + 11))\" cy=\"\(f(cy))\" r=\"3.2\" fill=\"\(e.color)\"/>")
            case .squares:
                body.append("<rect x=\"\(f(x + 8))\" y=\"\(f(cy - 3))\" width=\"6\" height=\"6\" fill=\"white\" stroke=\"\(e.color)\" stroke-width=\"1.4\"/>")
            }
            text(x + 28, cy + 4, e.label.count > 30 ? String(e.label.prefix(29)) + "…" : e.label, size: 11)
            y += 18
        }
    }

    func finish() -> String { (body + ["</svg>", ""]).joined(separator: "\n") }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }
}

/// A coordinate: two decimals, never NaN or infinite.
func f(_ x: Double) -> String {
    guard x.isFinite else { return "0" }
    return String(format: "%.2f", x)
}
