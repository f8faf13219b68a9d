// The optimizer-spec syntax and the registry's errors: round trips, nesting, and messages that name
// the problem and list the valid choices.

import MetaCore
import MetaOptimizers
import XCTest

final class OptimizerSpecTests: XCTestCase {
    func message(_ text: String) -> String {
        do {
            _ = try OptimizerCatalogue.handDesigned.make(text)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    func testDescriptionRoundTrips() throws {
        for text in ["adam", "adam:lr=3e-3,b1=0.8", "lookahead:k=3,inner=[adam:lr=1e-3,b1=0.8]",
                     "lookahead:inner=[lookahead:k=2,inner=[sgd:lr=0.1]],alpha=0.3", "lookahead:inner=adam"] {
            let spec = try OptimizerSpec.parse(text)
            XCTAssertEqual(spec.description, text)
            XCTAssertEqual(try OptimizerSpec.parse(spec.description), spec)
            XCTAssertNoThrow(try OptimizerCatalogue.handDesigned.make(spec), text)
        }
        let spaced = try OptimizerSpec.parse(" lookahead : k = 3 , inner = [ adam : lr = 1e-3 ] ")
        XCTAssertEqual(spaced.description, "lookahead:k=3,inner=[adam:lr=1e-3]")
    }

    func testNestedSpecsAndLists() throws {
        let spec = try OptimizerSpec.parse("lookahead:k=5,inner=[adam:lr=1e-3,b1=0.8]")
        guard case .spec(let inner)? = spec["inner"] else { return XCTFail("inner is not a spec") }
        XCTAssertEqual(inner.name, "adam")
        XCTAssertEqual(inner["b1"], .text("0.8"))
        let list = try OptimizerSpec.parseList("adam; sgd:lr=0.1 ;lookahead:inner=[adam:lr=1e-3]")
        XCTAssertEqual(list.map(\.name), ["adam", "sgd", "lookahead"])
        XCTAssertThrowsError(try OptimizerSpec.parse("lookahead:inner=[adam:lr=1e-3"))
        XCTAssertThrowsError(try OptimizerSpec.parse("adam:lr"))
        XCTAssertThrowsError(try OptimizerSpec.parseList(" ; "))
    }

    func testDuplicateKeysAreErrors() {
        XCTAssertThrowsError(try OptimizerSpec.parse("adam:lr=1e-3,b1=0.9,lr=3e-3")) { e in
            XCTAssertTrue("\(e)".contains("'lr' is given twice") && "\(e)".contains("column 21"), "\(e)")
        }
        XCTAssertThrowsError(try OptimizerSpec.parse("lo:/a.safetensors,path=/b.safetensors")) { e in
            XCTAssertTrue("\(e)".contains("'path' is given twice"), "\(e)")
        }
        // The same key in different specs is fine.
        XCTAssertNoThrow(try OptimizerSpec.parse("lookahead:k=5,inner=[lookahead:k=3,inner=adam]"))
    }

    func testNestingDepthIsBounded() throws {
        func nested(_ depth: Int) -> String {
            String(repeating: "lookahead:inner=[", count: depth - 1) + "sgd:lr=0.1" + String(repeating: "]", count: depth - 1)
        }
        let deepest = try OptimizerSpec.parse(nested(OptimizerSpec.maximumDepth))
        XCTAssertEqual(try OptimizerSpec.parse(deepest.description), deepest)
        XCTAssertThrowsError(try OptimizerSpec.parse(nested(OptimizerSpec.maximumDepth + 1))) { e in
            XCTAssertTrue("\(e)".contains("nested more than 64 levels"), "\(e)")
            XCTAssertTrue("\(e)".contains("column \(64 * 17 + 1)"), "\(e)")
        }
        // Far past what would overflow the stack: an error, and a short one.
        XCTAssertThrowsError(try OptimizerSpec.parse(nested(100_000))) { e in
            XCTAssertTrue("\(e)".contains("nested more than"), "\(e)")
            XCTAssertLessThan("\(e)".count, 400)
        }
    }

    func testErrorsListTheValidChoices() {
        let name = message("adamm:lr=1")
        XCTAssertTrue(name.contains("optimizer 'adamm'") && name.contains("valid names: sgd, momentum, nesterov, rmsprop, adagrad, adam, adamw, lion, adafactor, adax, nadamw, muon, schedule_free_adamw, prodigy, lookahead"), name)
        let key = message("adam:lrr=1")
        XCTAssertTrue(key.contains("unknown key 'lrr'") && key.contains("valid keys: lr, b1, b2, eps, clip_norm, clip, schedule"), key)
        let inner = message("lookahead:inner=[adam:beta=1]")
        XCTAssertTrue(inner.contains("key 'inner'") && inner.contains("unknown key 'beta'"), inner)
        XCTAssertTrue(message("adam:lr=fast").contains("key 'lr': expected a number, found 'fast'"))
        XCTAssertTrue(message("adam:lr=nan").contains("expected a number"))
        XCTAssertTrue(message("adam:b1=1.5").contains("key 'b1': 1.5 is out of range"))
        XCTAssertTrue(message("lookahead:k=0").contains("key 'k': 0 is out of range"))
        XCTAssertTrue(message("lookahead:k=2.5").contains("expected an integer"))
        XCTAssertTrue(message("lookahead:k=2,sync_period=3").contains("same setting"))
        XCTAssertTrue(message("rmsprop:eps_in_sqrt=maybe").contains("expected true or false"))
        XCTAssertTrue(message("sgd:schedule=linear").contains("one of: constant, warmup, cosine, warmup_cosine"))
        XCTAssertTrue(message("sgd:warmup=10").contains("needs schedule=warmup"))
        XCTAssertTrue(message("sgd:schedule=warmup").contains("needs warmup=N"))
        XCTAssertTrue(message("sgd:decay_steps=10").contains("needs schedule=cosine"))
        XCTAssertTrue(message("sgd:schedule=warmup_cosine,warmup=10,decay_steps=5").contains("must exceed warmup=10"))
        XCTAssertTrue(message("sgd:clip_norm=0").contains("out of range"))
        XCTAssertEqual(message("adafactor:clipping_threshold=0,schedule=warmup_cosine,warmup=2,decay_steps=9"), "no error")
        XCTAssertTrue(message("muon:kernels=conv").contains("key 'kernels': unknown value 'conv'; one of: adam, muon"))
        XCTAssertTrue(message("muon:consistent_rms=0").contains("key 'consistent_rms': 0 is out of range"))
        XCTAssertTrue(message("schedule_free_adamw:b1=0").contains("key 'b1': 0 is out of range"))
        XCTAssertTrue(message("schedule_free_adamw:warmup_steps=-1").contains("key 'warmup_steps': -1 is out of range"))
        XCTAssertTrue(message("prodigy:estim_lr0=0").contains("key 'estim_lr0': 0 is out of range"))
        // Schedule-Free and Prodigy take the schedule inside, and check it as every other optimizer does.
        XCTAssertTrue(message("prodigy:schedule=warmup").contains("needs warmup=N"))
        XCTAssertEqual(message("schedule_free_adamw:schedule=warmup_cosine,warmup=2,clip_norm=1"), "no error")
    }

    func testReferenceHyperparameterNamesAreKeys() {
        for text in ["sgd:lr=0.1", "momentum:lr=0.1,momentum=0.8", "nesterov:momentum=0.8", "rmsprop:decay=0.9,eps=1e-8",
                     "adagrad:initial_accumulator_value=0.1,eps=1e-7", "adam:b1=0.9,b2=0.999,eps=1e-8",
                     "adamw:weight_decay=0.01", "lion:b1=0.9,b2=0.99,weight_decay=0.01",
                     "adafactor:min_dim_size_to_factor=4,decay_rate=0.8,clipping_threshold=1,multiply_by_parameter_scale=false,eps=1e-30",
                     "lookahead:sync_period=3,slow_step_size=0.5", "adax:b1=0.9,b2=1e-4,eps=1e-8",
                     "nadamw:b1=0.9,b2=0.999,eps=1e-8,weight_decay=1e-4",
                     "muon:ns_steps=5,beta=0.95,eps=1e-8,weight_decay=0,nesterov=true,adaptive=false,consistent_rms=0.2,adam_b1=0.9,adam_b2=0.999,adam_weight_decay=0,adam_lr=1e-3",
                     "schedule_free_adamw:warmup_steps=10,b1=0.9,b2=0.999,eps=1e-8,weight_decay=0,weight_lr_power=2",
                     "prodigy:beta3=0.9,eps=1e-8,estim_lr0=1e-6,estim_lr_coef=1,weight_decay=0,safeguard_warmup=false"] {
            XCTAssertEqual(message(text), "no error", text)
        }
    }

    func testHelpListsEveryOptimizerWithItsDefaults() {
        let help = OptimizerCatalogue.handDesigned.helpText()
        for e in OptimizerCatalogue.handDesigned.kinds {
            XCTAssertTrue(help.contains("  \(e.name) "), e.name)
            for k in e.keys { XCTAssertTrue(help.contains("\(k.key)=\(k.defaultValue)"), "\(e.name).\(k.key)") }
        }
        for k in OptimizerCatalogue.commonKeys { XCTAssertTrue(help.contains("\(k)="), k) }
    }
}
