// The committed zoo: family specs equal the built-in ones, the lists have the promised size and
// coverage, held-out tasks are disjoint from training tasks, and every entry decodes.

import Foundation
import XCTest
import MetaCore
@testable import MetaTasks

final class ZooTests: XCTestCase {
    var zoo: TaskZoo { get throws { try TaskZoo.locate() } }

    func testFamilySpecsOnDiskAreTheBuiltInOnes() throws {
        XCTAssertEqual(try zoo.families(), ZooFamilies.standard)
        for f in TaskFamilyName.allCases { XCTAssertNoThrow(try ZooFamilies.standard.spec(f).validate()) }
    }

    func testListsCoverAllFamiliesAndAreLargeEnough() throws {
        let train = try zoo.list("train"), heldout = try zoo.list("heldout")
        XCTAssertGreaterThanOrEqual(train.tasks.count, 200)
        XCTAssertGreaterThanOrEqual(heldout.tasks.count, 50)
        for f in TaskFamilyName.allCases {
            XCTAssertGreaterThan(train.count(f), 0, "\(f)")
            XCTAssertGreaterThan(heldout.count(f), 0, "\(f)")
        }
        let valid = try zoo.list("valid")
        XCTAssertGreaterThanOrEqual(valid.count(.mlp), 2 * heldout.count(.mlp))
        XCTAssertGreaterThanOrEqual(valid.count(.cnn), 2 * heldout.count(.cnn))
        let ids = (train.tasks + valid.tasks + heldout.tasks).map(\.id)
        XCTAssertEqual(Set(ids).count, ids.count, "ids are not unique")
        XCTAssertTrue(Set(train.tasks.map(\.config)).isDisjoint(with: heldout.tasks.map(\.config)), "a held-out task is in train")
        XCTAssertTrue(Set(valid.tasks.map(\.config)).isDisjoint(with: train.tasks.map(\.config) + heldout.tasks.map(\.config)),
                      "a valid task is in train or heldout")
    }

    func testListsAreWhatTheGeneratorProduces() throws {
        // The committed lists are reproducible from their seed and the family specs.
        for name in TaskZoo.listNames {
            let list = try zoo.list(name)
            var counts: [TaskFamilyName: Int] = [:]
            for f in TaskFamilyName.allCases { counts[f] = list.count(f) }
            let again = TaskList.sample(
                name: name, version: list.version, seed: list.seed, counts: counts,
                families: .standard, generatedBy: list.generatedBy)
            XCTAssertEqual(again, list, "\(name) differs from a regeneration")
        }
    }

    func testEntriesByIdAndUnknownIds() throws {
        let z = try zoo
        let first = try z.list("heldout").tasks[0]
        XCTAssertEqual(try z.entry(id: first.id), first)
        XCTAssertThrowsError(try z.entry(id: "train/mlp-99999")) { XCTAssertTrue("\($0)".contains("no task with this id")) }
        XCTAssertThrowsError(try z.entry(id: "bogus")) { XCTAssertTrue("\($0)".contains("not a task id")) }
    }
}

final class ZooTaskTests: XCTestCase {
    /// Every held-out task builds, starts finite, and is rebuilt exactly from its JSON config.
    func testHeldoutTasksBuildAndRebuildExactly() throws {
        let zoo = try TaskZoo.locate()
        for entry in try zoo.list("heldout").tasks {
            let task = try entry.config.makeTask()
            let p = task.initialParameters(key: RandomKey(seed: 1))
            XCTAssertEqual(p.count, task.layout.count, entry.id)
            let (loss, grad) = task.lossAndGradient(p, key: RandomKey(seed: 2))
            XCTAssertTrue(loss.isFinite && grad.allSatisfy(\.isFinite), "\(entry.id): loss \(loss)")
            let normalized = task.normalizer(task.evaluate(p, split: .validation).loss)
            XCTAssertTrue(normalized.isFinite && normalized > 0, "\(entry.id): normalized \(normalized)")

            let decoded = try TaskSpec.decode(Data(TaskSpec.json(entry.config).utf8), file: entry.id)
            let again = try decoded.makeTask()
            XCTAssertEqual(again.layout, task.layout, entry.id)
            XCTAssertEqual(again.initialParameters(key: RandomKey(seed: 1)), p, entry.id)
            let (loss2, grad2) = again.lossAndGradient(p, key: RandomKey(seed: 2))
            XCTAssertEqual(loss2, loss, entry.id)
            XCTAssertEqual(grad2, grad, entry.id)
        }
    }

    /// A rebuilt dataset (bypassing the cache) is identical to the cached one.
    func testDatasetsRebuildExactlyFromConfig() throws {
        let zoo = try TaskZoo.locate()
        let configs = try zoo.list("heldout").tasks.compactMap(\.config.dataset).prefix(6)
        for c in configs {
            let a = try c.load(), b = try c.build()
            XCTAssertEqual(a.train.inputs, b.train.inputs)
            XCTAssertEqual(a.test.labels, b.test.labels)
        }
    }
}
