// `--out DIR`: the required output directory of a command that writes a set of files (`compare`, `search`).

import ArgumentParser

/// The directory a command writes its results to.
struct OutputDirectoryOptions: ParsableArguments {
    @Option(help: "Output directory (created).")
    var out: String

    func validate() throws {
        guard !out.isEmpty else { throw ValidationError("--out must name a directory") }
    }
}
