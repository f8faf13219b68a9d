// The README's "From Swift" example, kept compiling and working here: the text between the markers is
// the README's block (a test below checks that they are the same lines). It imports MetaLearned alone.

import Foundation
import XCTest
import MetaLearned

final class ReadmeExampleTests: XCTestCase {
    /// Runs the example; returns the validation loss before and after training.
    func example() throws -> (before: Float, after: Float) {
        // --- README example ---
        // Your model: a loss and its gradient over one flat Float buffer (here a line fit y = 2x − 1).
        let layout = ParameterLayout([("w", [1]), ("b", [1])])   // your tensors, by name and shape
        func lossAndGradient(_ p: [Float], _ xs: [Float]) -> (loss: Float, gradient: [Float]) {
            var loss: Float = 0, g: [Float] = [0, 0]
            for x in xs {
                let e = p[0] * x + p[1] - (2 * x - 1), n = Float(xs.count)
                loss += e * e / n; g[0] += 2 * e * x / n; g[1] += 2 * e / n
            }
            return (loss, g)
        }
        let train = (0..<64).map { Float($0) / 32 - 1 }, validation = (0..<16).map { Float($0) / 8 - 0.97 }

        let optimizer = try LearnedOptimizers.recommended()   // `learned`: the shipped checkpoint in its wrappers
        var run = OptimizerRun(optimizer, parameters: [0, 0], layout: layout, totalSteps: 300)
        let before = lossAndGradient(run.evaluationParameters, validation).loss
        for _ in 0..<300 {
            var (loss, gradient) = lossAndGradient(run.parameters, train)
            run.step(gradient: &gradient, loss: loss)
            if run.usesValidationLoss {                        // `learned` reads one, as in `metatrain optimize`
                run.validationLoss = lossAndGradient(run.monitoredParameters, validation).loss
            }
        }
        let after = lossAndGradient(run.evaluationParameters, validation).loss  // what to keep
        // --- end of example ---
        return (before, after)
    }

    func testReadmeExampleTrains() throws {
        let (before, after) = try example()
        XCTAssertTrue(after.isFinite)
        XCTAssertLessThan(after, 0.05 * before, "validation loss \(before) → \(after)")
    }

    /// The typed constructor builds what the spec `learned` names, step for step.
    func testTypedRecommendedIsTheLearnedSpec() throws {
        let layout = ParameterLayout([("w", [2, 2]), ("b", [2])])
        func trajectory(_ optimizer: any Optimizer) -> [[Float]] {
            var run = OptimizerRun(optimizer, parameters: [0.5, -1, 2, 0.1, -0.3, 1], layout: layout, totalSteps: 20)
            var out: [[Float]] = []
            for _ in 0..<20 {
                var g = run.parameters.enumerated().map { Float($0.offset + 1) * $0.element }
                let loss = run.parameters.enumerated().reduce(Float(0)) { $0 + Float($1.offset + 1) * $1.element * $1.element / 2 }
                run.step(gradient: &g, loss: loss)
                run.validationLoss = loss * 1.1
                out.append(run.evaluationParameters)
            }
            return out
        }
        let typed = trajectory(try LearnedOptimizers.recommended())
        XCTAssertEqual(typed, trajectory(try OptimizerCatalogue.withLearnedOptimizers.make("learned")))
        XCTAssertEqual(trajectory(try LearnedOptimizers.plain()), trajectory(try OptimizerCatalogue.withLearnedOptimizers.make("lo:default")))
        XCTAssertNotEqual(typed, trajectory(try LearnedOptimizers.plain()))
    }

    /// The README shows exactly the lines between the markers above.
    func testReadmeShowsThisExample() throws {
        let here = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        let readme = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("README.md"), encoding: .utf8)
        func lines(_ text: String, from start: String, to end: String) -> [String] {
            let all = text.components(separatedBy: "\n")
            guard let a = all.firstIndex(where: { $0.contains(start) }),
                  let b = all[(a + 1)...].firstIndex(where: { $0.contains(end) }) else { return [] }
            return all[(a + 1)..<b].map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        let example = lines(here, from: "--- README example ---", to: "--- end of example ---")
        let shown = lines(readme, from: "```swift", to: "```").filter { $0 != "import MetaLearned" }
        XCTAssertFalse(example.isEmpty)
        XCTAssertEqual(shown, example, "README.md's ```swift block differs from ReadmeExampleTests.example()")
    }
}
