import Foundation

/// A file of reference loss values in the `losskit-golden/1` format: values and gradients
/// computed by PyTorch, torchvision, Keras, pytorch-metric-learning and scikit-learn.
///
/// See `docs/conformance.md` for the format and ``ConformanceRunner`` for how cases are
/// checked.
public struct GoldenFile: Sendable, Codable {
  /// The format tag, `losskit-golden/1`.
  public var format: String
  /// The cases.
  public var cases: [GoldenCase]

  /// The only format this build reads.
  public static let supportedFormat = "losskit-golden/1"

  /// Reads and checks a golden file.
  ///
  /// - Throws: ``ConformanceError`` naming the file when it is missing, is not JSON in this
  ///   format, or has another format tag, and naming the file, the case and the field when a
  ///   case is malformed (see ``GoldenCase/validate()``).
  public init(contentsOf url: URL) throws {
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      throw ConformanceError.unreadable(
        url.path, reason: "cannot read the file (\(error.localizedDescription))")
    }
    try self.init(data: data, path: url.path)
  }

  /// Checks the contents of a golden file read from `path` (named in errors).
  ///
  /// - Throws: ``ConformanceError``, as ``init(contentsOf:)`` does.
  public init(data: Data, path: String) throws {
    do {
      self = try JSONDecoder().decode(GoldenFile.self, from: data)
    } catch {
      throw ConformanceError.unreadable(
        path, reason: "not a losskit-golden/1 JSON file (\(error))")
    }
    guard format == Self.supportedFormat else {
      throw ConformanceError.unreadable(
        path, reason: "format is '\(format)', this build reads '\(Self.supportedFormat)'")
    }
    for index in cases.indices {
      cases[index].file = path
      try cases[index].validate()
    }
  }
}

/// One reference case.
public struct GoldenCase: Sendable, Codable {
  /// The case name.
  public var name: String
  /// What is computed: `softmax_focal`, `sigmoid_focal`, `supcon`, ….
  public var kind: String
  /// Who computed the reference.
  public var reference: String?
  /// The loss parameters, as the peer named them.
  public var params: [String: JSONValue]
  /// The inputs by name.
  public var inputs: [String: GoldenTensor]
  /// The expected value and gradients, or class weights.
  public var expected: Expected
  /// How close a result must be.
  public var tolerance: Tolerance
  /// The file the case was read from, for messages (not part of the format).
  public var file: String?

  private enum CodingKeys: String, CodingKey {
    case name, kind, reference, params, inputs, expected, tolerance
  }

  /// The expected results.
  public struct Expected: Sendable, Codable {
    /// The reduced loss value.
    public var value: Double?
    /// The gradient of the value with respect to each named input.
    public var grad: [String: GoldenTensor]?
    /// Class weights (for `class_weights` cases).
    public var weights: [Double]?
  }

  /// Absolute and relative tolerances; `|x − e| ≤ abs + rel·|e|` passes.
  public struct Tolerance: Sendable, Codable {
    /// Relative tolerance of the value.
    public var value_rel: Double
    /// Absolute tolerance of the value.
    public var value_abs: Double
    /// Relative tolerance of each gradient element.
    public var grad_rel: Double
    /// Absolute tolerance of each gradient element.
    public var grad_abs: Double
  }
}

/// A tensor in a golden file: a shape and row-major numbers.
public struct GoldenTensor: Sendable, Codable {
  /// The shape.
  public var shape: [Int]
  /// The elements, row-major.
  public var data: [Double]
}

/// Errors reading or running golden files.
public enum ConformanceError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
  /// The file cannot be read or is not in the expected format.
  case unreadable(_ path: String, reason: String)
  /// A case is malformed; `file` names the golden file it came from, when known.
  case badCase(_ name: String, reason: String, file: String? = nil)

  /// The problem and where it is.
  public var description: String {
    switch self {
    case .unreadable(let path, let reason): return "\(path): \(reason)"
    case .badCase(let name, let reason, let file):
      return (file.map { "\($0): " } ?? "") + "case '\(name)': \(reason)"
    }
  }

  /// The same text as ``description``.
  public var errorDescription: String? { description }
}
