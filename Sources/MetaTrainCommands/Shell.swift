// Command lines as a user would type them again (written into reports and resume hints).

/// POSIX shell quoting.
enum Shell {
    /// `s` unchanged when it has only characters a shell leaves alone, else single-quoted.
    static func quoted(_ s: String) -> String {
        let safe = s.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:,@+".contains($0) }
        return safe && !s.isEmpty ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
