// `--zoo`: where the task zoo lives, for every command that reads zoo lists or ids.

import ArgumentParser
import MetaTasks

/// Where the zoo lives.
struct ZooOptions: ParsableArguments {
    @Option(name: .customLong("zoo"), help: "The zoo directory (default: $METATRAIN_ZOO, ./TaskZoo, or the checkout's TaskZoo).")
    var path: String?

    func locate() throws -> TaskZoo { try TaskZoo.locate(path) }
}
