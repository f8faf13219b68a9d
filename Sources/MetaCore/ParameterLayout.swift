// One flat Float buffer plus a layout of named tensors (llm.c's habit): an optimizer is one loop,
// ES perturbs one vector, a checkpoint is one array.

/// A named tensor inside a flat parameter buffer.
public struct TensorSpec: Codable, Hashable, Sendable {
    public var name: String
    public var shape: [Int]
    /// Index of the tensor's first element in the flat buffer.
    public var offset: Int

    public init(name: String, shape: [Int], offset: Int) {
        self.name = name
        self.shape = shape
        self.offset = offset
    }

    /// Number of elements (1 for a scalar, whose shape is `[]`).
    public var count: Int { shape.reduce(1, *) }
    /// The half-open range of the tensor's elements in the flat buffer.
    public var range: Range<Int> { offset..<(offset + count) }
}

/// The tensors of a flat parameter buffer, in order, without gaps.
public struct ParameterLayout: Codable, Hashable, Sendable {
    public private(set) var tensors: [TensorSpec] = []
    /// Total number of scalars.
    public private(set) var count: Int = 0

    public init() {}

    /// Builds a layout from `(name, shape)` pairs laid out back to back.
    public init(_ tensors: [(String, [Int])]) {
        for (name, shape) in tensors { append(name, shape: shape) }
    }

    /// Appends a tensor after the last one and returns its spec.
    @discardableResult
    public mutating func append(_ name: String, shape: [Int]) -> TensorSpec {
        precondition(!tensors.contains { $0.name == name }, "duplicate tensor name \(name)")
        precondition(shape.allSatisfy { $0 > 0 }, "tensor \(name) has a non-positive dimension: \(shape)")
        let spec = TensorSpec(name: name, shape: shape, offset: count)
        tensors.append(spec)
        count += spec.count
        return spec
    }

    public subscript(name: String) -> TensorSpec? {
        tensors.first { $0.name == name }
    }
}

/// A flat parameter buffer with its layout.
public struct Parameters: Hashable, Sendable {
    public var values: [Float]
    public let layout: ParameterLayout

    public init(layout: ParameterLayout, values: [Float]) {
        precondition(values.count == layout.count, "\(values.count) values for a layout of \(layout.count)")
        self.layout = layout
        self.values = values
    }

    public init(zerosFor layout: ParameterLayout) {
        self.init(layout: layout, values: [Float](repeating: 0, count: layout.count))
    }

    /// The elements of one tensor (a copy).
    public func tensor(_ name: String) -> [Float]? {
        guard let spec = layout[name] else { return nil }
        return Array(values[spec.range])
    }
}
