// OUT/search-state.json: where `metatrain search` saves its state (periodically, at the end and on
// Ctrl-C) and `--resume` reads it back.

import ArgumentParser
import Foundation
import MetaCore
import MetaPrograms
import MetaTasks

/// The saved state of a search in an output directory.
struct SearchStateFile {
    let path: String

    init(directory: String) {
        path = URL(fileURLWithPath: directory).appendingPathComponent("search-state.json").path
    }

    var exists: Bool { FileManager.default.fileExists(atPath: path) }

    /// The saved state; errors name the file (and `--resume` when there is none).
    func load() throws -> ProgramSearchState {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("--resume: no search state at \(path)")
        }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do { return try decoder.decode(ProgramSearchState.self, from: data) } catch {
            throw SpecError.from(error, file: path, data: data)
        }
    }

    /// Writes `state` atomically (a crash leaves the previous save).
    func save(_ state: ProgramSearchState) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // A diverged evaluation's fitness may be NaN or infinite: written as strings, as everywhere.
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do { try AtomicFile.write(try encoder.encode(state), to: path) } catch let e as SpecError {
            // The write is atomic: an earlier save, if any, is still there for --resume.
            let kept = FileManager.default.fileExists(atPath: path) ? "the previous save is kept unchanged" : "nothing was saved"
            throw SpecError(e.location, "\(e.message); \(kept)")
        }
    }
}
