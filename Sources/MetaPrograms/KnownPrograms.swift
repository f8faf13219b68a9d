// The known programs of docs/architecture.md §7 as text, the same text as the files in `Programs/` at the top of
// the repository (a test keeps them equal). The search starts from `adamw`.

public enum KnownPrograms {
    /// Name → program text.
    public static let texts: [(name: String, text: String)] = [
        ("adamw", """
            # AdamW without bias correction (docs/architecture.md §7), the search's start program:
            # m = 0.9 m + 0.1 g; v = 0.999 v + 0.001 g^2; update = lr * (m / (sqrt(v) + 1e-8) + 0.01 w)
            # lr: 0.001
            g2 = g * g
            m = interp(g, m, 0.9)
            v = interp(g2, v, 0.999)
            s = sqrt(v)
            s = s + 1e-08
            u = m / s
            d = w * 0.01
            u = u + d
            update = u * lr
            """ + "\n"),
        ("lion", """
            # Lion (Chen et al. 2023), b1 0.9, b2 0.99, weight decay 0.01:
            # update = lr * (sign(0.9 m + 0.1 g) + 0.01 w); m = 0.99 m + 0.01 g
            # lr: 0.0001
            c = interp(g, m, 0.9)
            s = sign(c)
            d = w * 0.01
            u = s + d
            update = u * lr
            m = interp(g, m, 0.99)
            """ + "\n"),
        ("signsgd", """
            # signSGD: update = lr * sign(g)
            # lr: 0.001
            s = sign(g)
            update = s * lr
            """ + "\n"),
        ("momentum", """
            # Heavy-ball momentum (optax trace, no dampening): m = g + 0.9 m; update = lr * m
            # lr: 0.01
            t = m * 0.9
            m = t + g
            update = m * lr
            """ + "\n"),
        ("rmsprop", """
            # RMSProp (optax, eps outside the root): v = 0.9 v + 0.1 g^2; update = lr * g / (sqrt(v) + 1e-8)
            # lr: 0.01
            g2 = g * g
            v = interp(g2, v, 0.9)
            s = sqrt(v)
            s = s + 1e-08
            u = g / s
            update = u * lr
            """ + "\n"),
    ]

    /// The parsed program of a known name.
    public static func program(_ name: String) -> Program? {
        guard let text = texts.first(where: { $0.name == name })?.text else { return nil }
        return try? ProgramParser.parseChecked(text, file: "\(name).prog")
    }

    /// AdamW without bias correction: the start program of the search.
    public static var adamw: Program { program("adamw")! }
}
