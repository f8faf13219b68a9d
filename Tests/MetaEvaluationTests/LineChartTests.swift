// LineChart's title placement: a long title is shifted so that its estimated extent stays inside the
// image (it was centred over the plot area and cut off at the left edge), a short one stays centred
// over the plot area.

import Foundation
import XCTest
import MetaEvaluation

final class LineChartTests: XCTestCase {
    /// The x of the first bold `<text>` element (the title) in the rendered SVG.
    private func titleX(_ svg: String) throws -> Double {
        let line = try XCTUnwrap(svg.split(separator: "\n").first { $0.contains("font-weight=\"bold\"") })
        let start = try XCTUnwrap(line.range(of: "x=\""))
        let rest = line[start.upperBound...]
        let end = try XCTUnwrap(rest.firstIndex(of: "\""))
        return try XCTUnwrap(Double(rest[..<end]))
    }

    func testLongTitleStaysInsideTheImage() throws {
        let title = "Program search: best fitness (mean normalized validation loss, lower is better)"
        let chart = LineChart.lines(title: title, xLabel: "x", yLabel: "y", [("a", [(0, 1), (1, 2)])])
        let x = try titleX(chart.render())
        let half = Double(title.count) * 8.5 / 2
        XCTAssertGreaterThanOrEqual(x - half, 0, "title starts left of the image")
        XCTAssertLessThanOrEqual(x + half, chart.width, "title ends right of the image")
    }

    func testShortTitleIsCentredOverThePlot() throws {
        let chart = LineChart.lines(title: "Loss", xLabel: "x", yLabel: "y", [("a", [(0, 1), (1, 2)])])
        let x = try titleX(chart.render())
        // Centred over the plot area, left of the image centre because the legend sits on the right.
        XCTAssertLessThan(x, chart.width / 2)
        XCTAssertGreaterThan(x, chart.width / 4)
    }
}
