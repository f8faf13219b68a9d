// `--json`: print the result as JSON on standard output instead of text (`zoo list`, `zoo validate`,
// `zoo cost`, `bench`).

import ArgumentParser

/// Whether to print JSON instead of text.
struct JSONOutputOptions: ParsableArguments {
    @Flag(help: "Print the result as JSON instead of text.")
    var json = false
}
