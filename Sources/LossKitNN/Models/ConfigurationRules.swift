import LossKitCore

/// The checks every built-in model applies to its configuration, new or read from a saved
/// model, so a damaged manifest can neither trap nor allocate without bound.
struct ConfigurationRules {
  /// The model kind, for messages.
  let model: String

  /// The most values one parameter tensor may hold (2³⁰ floats, 4 GiB).
  static let maximumParameterSize = 1 << 30

  /// Checks that `value` is in `minimum…maximum`.
  func check(_ name: String, _ value: Int, minimum: Int = 1, maximum: Int) throws {
    guard value >= minimum, value <= maximum else {
      throw LossKitError.invalidParameter(
        loss: model, name: name, reason: "\(value) is not in \(minimum)…\(maximum)")
    }
  }

  /// Checks a dropout rate.
  func checkDropout(_ rate: Float, name: String = "dropout") throws {
    guard rate >= 0, rate < 1 else {
      throw LossKitError.invalidParameter(
        loss: model, name: name, reason: "\(rate) is not in [0, 1)")
    }
  }

  /// Checks the input sizes and that a table of `width` columns per bucket stays bounded.
  func check(_ input: InputShape, width: Int) throws {
    try check("input.buckets", input.buckets, minimum: 0, maximum: 1 << 26)
    try check("input.denseWidth", input.denseWidth, minimum: 0, maximum: 1 << 16)
    guard input.buckets > 0 || input.denseWidth > 0 else {
      throw LossKitError.invalidParameter(
        loss: model, name: "input", reason: "there are neither sparse nor dense features")
    }
    try checkSize("the sparse table", input.buckets, width)
  }

  /// Checks that a `rows × columns` parameter stays below ``maximumParameterSize``.
  func checkSize(_ what: String, _ rows: Int, _ columns: Int) throws {
    let (size, overflow) = rows.multipliedReportingOverflow(by: columns)
    guard !overflow, size <= Self.maximumParameterSize else {
      throw LossKitError.invalidParameter(
        loss: model, name: what,
        reason: "\(rows) × \(columns) values exceed the limit of \(Self.maximumParameterSize)")
    }
  }

  /// Checks the heads: at least one, unique names a loss expression can spell, 1…65536
  /// classes each.
  func check(_ heads: [HeadShape]) throws {
    guard !heads.isEmpty else {
      throw LossKitError.invalidParameter(
        loss: model, name: "heads", reason: "there are none; give at least one head")
    }
    var seen = Set<String>()
    for head in heads {
      guard !head.name.isEmpty, head.name.count <= 64,
        head.name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-".contains($0)) })
      else {
        throw LossKitError.invalidParameter(
          loss: model, name: "heads",
          reason: "'\(head.name)' is not a head name; use 1–64 letters, digits, '_' or '-'")
      }
      guard seen.insert(head.name).inserted else {
        throw LossKitError.invalidParameter(
          loss: model, name: "heads", reason: "'\(head.name)' is listed twice")
      }
      try check("heads.\(head.name).classes", head.classes, maximum: 1 << 16)
    }
  }
}

extension JSONValue {
  /// A version-1 configuration (`shape: {buckets, denseWidth, classes}`) in the version-2
  /// form (`input: {buckets, denseWidth}`, one head `labels`).
  func upgradingSingleShape(model: String) throws -> JSONValue {
    guard var object = objectValue, let shape = object["shape"]?.objectValue,
      let classes = shape["classes"]
    else {
      throw LossKitError.invalidSpec(
        "a version-1 '\(model)' configuration needs `shape` with `buckets`, `denseWidth` and "
          + "`classes`; the manifest is damaged — save the model again")
    }
    object["shape"] = nil
    object["input"] = .object([
      "buckets": shape["buckets"] ?? .number(0), "denseWidth": shape["denseWidth"] ?? .number(0),
    ])
    object["heads"] = .array([.object(["name": .string("labels"), "classes": classes])])
    return .object(object)
  }
}
