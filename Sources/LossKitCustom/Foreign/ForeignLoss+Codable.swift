import LossKitCore

extension ForeignLoss {
  private struct Key: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  /// Encodes one flat object: every loss parameter, `output` and `target`.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: Key.self)
    for (name, value) in parameters { try container.encode(value, forKey: Key(name)) }
    try container.encode(output, forKey: Key("output"))
    try container.encode(target, forKey: Key("target"))
  }

  /// Decodes parameters without a function (only the registry binds one).
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: Key.self)
    var values: [String: Double] = [:]
    self.init()
    for key in container.allKeys {
      switch key.stringValue {
      case "output": output = try container.decode(String.self, forKey: key)
      case "target": target = try container.decode(String.self, forKey: key)
      default: values[key.stringValue] = try container.decode(Double.self, forKey: key)
      }
    }
    parameters = values
  }
}
