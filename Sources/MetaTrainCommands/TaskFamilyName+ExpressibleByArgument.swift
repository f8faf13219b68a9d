// A task family as a command-line value (`zoo sample --family`, `compare --family`): ArgumentParser
// checks it and lists the families in help and errors.

import ArgumentParser
import MetaTasks

extension TaskFamilyName: ExpressibleByArgument {}
